package io.esm4j.kinesis;

import static io.esm4j.kinesis.KinesisSourceContract.assertInPutOrderPerShard;
import static io.esm4j.kinesis.KinesisSourceContract.eventually;
import static io.esm4j.kinesis.KinesisSourceContract.fast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureRecord;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/** Retries, bisection, discards and the failure record; Lambda handlers; throttling and expired iterators. */
interface FailureTests {

    ObjectMapper JSON = new ObjectMapper();
    String TIMESTAMP = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

    KinesisSourceContract fixture();

    @Test
    default void retryBisectAndMaximumRetriesGiveUpThePoisonRecordAlone() throws Exception {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(1);
        List<TestStreams.Put> puts = TestStreams.putNumbered(f.kinesis, stream, 0, 10, 10);
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>failingOn(r -> r.dataAsString().equals("r6"));
        CollectingDestination destination = new CollectingDestination();
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        KinesisStreamSource source = f.source(stream);
        f.start(f.mapping("poison", source, handler).leaseStore(store).onFailure(destination)
                .settings(fast().batchSize(10).bisectBatchOnFunctionError(true).maximumRetryAttempts(1).build()));

        String shardId = puts.getFirst().shardId();
        String last = puts.getLast().sequenceNumber();
        eventually().until(() -> store.checkpoint("poison", shardId).equals(Optional.of(
                new Checkpoint.AtSequenceNumber(last))));
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r7", "r8", "r9");
        assertThat(destination.received()).hasSize(1);
        FailureRecord failure = destination.received().getFirst();
        JsonNode json = JSON.readTree(failure.toJson());
        assertThat(json.fieldNames()).toIterable()
                .containsExactly("requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo");
        JsonNode request = json.get("requestContext");
        assertThat(request.get("requestId").asText()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                + "[0-9a-f]{12}");
        assertThat(request.get("functionArn").asText()).isEqualTo("arn:aws:lambda:local:000000000000:function:poison");
        assertThat(request.get("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        // [r0..r9], [r5..r9], [r5, r6], then [r6] and its one retry: bisecting does not use the retry quota.
        assertThat(request.get("approximateInvokeCount").asInt()).isEqualTo(5);
        JsonNode response = json.get("responseContext");
        assertThat(response.get("statusCode").asInt()).isEqualTo(200);
        assertThat(response.get("executedVersion").asText()).isEqualTo("$LATEST");
        assertThat(response.get("functionError").asText()).isEqualTo("Unhandled");
        assertThat(json.get("version").asText()).isEqualTo("1.0");
        assertThat(json.get("timestamp").asText()).matches(TIMESTAMP);
        KinesisRecord poison = handler.invocations().stream().flatMap(b -> b.records().stream())
                .map(StreamRecord::payload).filter(r -> r.dataAsString().equals("r6")).findFirst().orElseThrow();
        String arrival = BatchInfoStyle.KINESIS.formatArrival(poison.kinesis().approximateArrivalTimestamp());
        JsonNode info = json.get("KinesisBatchInfo");
        assertThat(info.get("shardId").asText()).isEqualTo(shardId);
        assertThat(info.get("startSequenceNumber").asText()).isEqualTo(puts.get(6).sequenceNumber());
        assertThat(info.get("endSequenceNumber").asText()).isEqualTo(puts.get(6).sequenceNumber());
        assertThat(info.get("approximateArrivalOfFirstRecord").asText()).isEqualTo(arrival).matches(TIMESTAMP);
        assertThat(info.get("approximateArrivalOfLastRecord").asText()).isEqualTo(arrival);
        assertThat(info.get("batchSize").asInt()).isEqualTo(1);
        assertThat(info.get("streamArn").asText()).isEqualTo(source.streamArn());
    }

    @Test
    default void recordsOlderThanMaximumRecordAgeAreGivenUpWithoutResponseContext() throws Exception {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(1);
        List<TestStreams.Put> puts = TestStreams.putNumbered(f.kinesis, stream, 0, 5, 5);
        MutableClock clock = MutableClock.startingNow();
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>succeeding().behave(batch -> {
            throw new IllegalStateException("always failing");
        });
        CollectingDestination destination = new CollectingDestination();
        f.start(f.mapping("max-age", f.source(stream), handler).clock(clock).onFailure(destination)
                .settings(fast().batchSize(10).maximumRecordAgeInSeconds(60).build()));

        eventually().until(() -> !handler.invocations().isEmpty());
        clock.advance(Duration.ofMinutes(2));
        eventually().until(() -> destination.received().size() == 1);
        JsonNode json = JSON.readTree(destination.received().getFirst().toJson());
        assertThat(json.has("responseContext")).isFalse();
        assertThat(json.get("requestContext").get("condition").asText()).isEqualTo("RecordAgeExceeded");
        assertThat(json.get("requestContext").get("approximateInvokeCount").asInt())
                .isEqualTo(handler.invocations().size());
        JsonNode info = json.get("KinesisBatchInfo");
        assertThat(info.get("batchSize").asInt()).isEqualTo(5);
        assertThat(info.get("startSequenceNumber").asText()).isEqualTo(puts.getFirst().sequenceNumber());
        assertThat(info.get("endSequenceNumber").asText()).isEqualTo(puts.getLast().sequenceNumber());
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).isEmpty();
    }

    @Test
    default void aLambdaHandlerRunsUnchangedAndItsBatchItemFailuresAreRetried() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(1);
        List<TestStreams.Put> puts = TestStreams.putNumbered(f.kinesis, stream, 0, 10, 10);
        List<KinesisEvent> events = new ArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        KinesisStreamSource source = f.source(stream);
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        f.start(f.mapping("lambda", source, KinesisLambdaAdapter.of(event -> {
            synchronized (events) {
                events.add(event);
            }
            for (KinesisEvent.KinesisEventRecord record : event.getRecords()) {
                String data = StandardCharsets.UTF_8.decode(record.getKinesis().getData()).toString();
                if (data.equals("r3") && !failedOnce.getAndSet(true)) {
                    return StreamsEventResponse.builder().withBatchItemFailures(List.of(
                            StreamsEventResponse.BatchItemFailure.builder()
                                    .withItemIdentifier(record.getKinesis().getSequenceNumber()).build())).build();
                }
            }
            return null;
        })).leaseStore(store).settings(fast().batchSize(10).reportBatchItemFailures(true).build()));

        String last = puts.getLast().sequenceNumber();
        eventually().until(() -> store.checkpoint("lambda", puts.getFirst().shardId())
                .equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        synchronized (events) {
            assertThat(events).hasSize(2);
            assertThat(events.get(1).getRecords().getFirst().getKinesis().getSequenceNumber())
                    .isEqualTo(puts.get(3).sequenceNumber());
            KinesisEvent.KinesisEventRecord record = events.getFirst().getRecords().getFirst();
            assertThat(record.getEventSource()).isEqualTo("aws:kinesis");
            assertThat(record.getEventSourceARN()).isEqualTo(source.streamArn());
            assertThat(record.getEventID()).isEqualTo(puts.getFirst().shardId() + ":" + puts.getFirst()
                    .sequenceNumber());
            assertThat(record.getKinesis().getKinesisSchemaVersion()).isEqualTo("1.0");
            assertThat(record.getKinesis().getPartitionKey()).isEqualTo("k0");
            assertThat(record.getKinesis().getApproximateArrivalTimestamp()).isNotNull();
        }
    }

    @Test
    default void throttledGetRecordsCallsAreRetriedWithoutLossOrDuplicates() {
        KinesisSourceContract f = fixture();
        assumeFalse(f.fanOut(), "GetRecords only");
        String stream = f.newStream(2);
        List<TestStreams.Put> puts = TestStreams.putNumbered(f.kinesis, stream, 0, 200, 20);
        f.faults.failGetRecords(call -> call <= 45 && call % 3 != 0
                ? ProvisionedThroughputExceededException.builder().message("injected").statusCode(400).build()
                : null);
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>succeeding();
        KinesisStreamSource source = f.source(stream, KinesisSourceSettings.builder().getRecordsPerSecondPerShard(5)
                .throttleBackoff(Duration.ofMillis(1), Duration.ofMillis(20)));
        f.start(f.mapping("throttled", source, handler)
                .settings(fast().batchSize(10).maxBufferedRecordsPerShard(20).build()));

        eventually().until(() -> handler.succeededCount() >= 200);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).hasSize(200).doesNotHaveDuplicates();
        assertInPutOrderPerShard(puts, handler.succeededPayloads());
        eventually().until(() -> f.faults.injected() == 30);
    }

    @Test
    default void anExpiredIteratorIsRenewedAfterTheLastRecordHandedOut() {
        KinesisSourceContract f = fixture();
        assumeFalse(f.fanOut(), "GetRecords only");
        String stream = f.newStream(1);
        List<TestStreams.Put> puts = TestStreams.putNumbered(f.kinesis, stream, 0, 300, 10);
        f.faults.failGetRecords(call -> call == 3 || call == 6
                ? ExpiredIteratorException.builder().message("injected").statusCode(400).build() : null);
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>succeeding();
        f.start(f.mapping("expired", f.source(stream), handler)
                .settings(fast().batchSize(25).maxBufferedRecordsPerShard(50).build()));

        eventually().until(() -> handler.succeededCount() >= 300);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).hasSize(300).doesNotHaveDuplicates();
        assertInPutOrderPerShard(puts, handler.succeededPayloads());
        assertThat(f.faults.injected()).isEqualTo(2);
        List<GetShardIteratorRequest> iterators = f.faults.shardIteratorRequests();
        assertThat(iterators).extracting(GetShardIteratorRequest::shardIteratorType).containsExactly(
                ShardIteratorType.TRIM_HORIZON, ShardIteratorType.AFTER_SEQUENCE_NUMBER,
                ShardIteratorType.AFTER_SEQUENCE_NUMBER);
        List<String> sequenceNumbers = puts.stream().map(TestStreams.Put::sequenceNumber).toList();
        assertThat(iterators.subList(1, 3)).extracting(GetShardIteratorRequest::startingSequenceNumber)
                .allSatisfy(s -> assertThat(sequenceNumbers).contains(s))
                .isSortedAccordingTo((a, b) -> sequenceNumbers.indexOf(a) - sequenceNumbers.indexOf(b));
    }
}

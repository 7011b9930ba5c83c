package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The on-failure record (docs/lambda-semantics.md §3.5, §9) field by field and in AWS's order, for Kinesis and DynamoDB
 * Streams; a destination that refuses blocks the checkpoint until it takes the record, exactly once (docs/design.md
 * guarantee 1); without a destination given-up records are dropped and counted.
 */
class DestinationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2019-11-14T00:38:06.021Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final CollectingDestination destination = new CollectingDestination();
    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();

    private static StreamRecord<byte[]> put(InMemoryStream stream, String key, String data, Instant arrival) {
        return stream.put(key, data.getBytes(StandardCharsets.UTF_8), arrival);
    }

    private static RecordingHandler<byte[]> alwaysFailing() {
        return RecordingHandler.<byte[]>succeeding().behave(batch -> {
            throw new IllegalStateException("function error");
        });
    }

    private EventSourceMapping<byte[]> mapping(String name, InMemoryStream stream, RecordingHandler<byte[]> handler,
                                               StreamSettings settings) {
        return EventSourceMapping.builder(name, stream, handler).settings(settings).leaseStore(store)
                .onFailure(destination).meterRegistry(registry).clock(clock).build();
    }

    private void awaitCheckpoint(String name, StreamRecord<byte[]> record) {
        Optional<Checkpoint> expected = Optional.of(new Checkpoint.AtSequenceNumber(record.sequenceNumber()));
        await().until(() -> store.load(name, record.shardId()), expected::equals);
    }

    private double counter(String name, String mapping) {
        return registry.get(name).tag(MetricNames.MAPPING_TAG, mapping).counter().count();
    }

    private JsonNode givenUpJson(String name, InMemoryStream stream, StreamSettings settings,
                                 StreamRecord<byte[]> last) throws Exception {
        RecordingHandler<byte[]> handler = alwaysFailing();
        EventSourceMapping<byte[]> mapping = mapping(name, stream, handler, settings);
        mapping.start();
        try {
            awaitCheckpoint(name, last);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(destination.received()).hasSize(1);
        return JSON.readTree(destination.received().getFirst().toJson());
    }

    @Test
    void kinesisFailureRecordHasEveryFieldInAwsOrderAndFormat() throws Exception {
        InMemoryStream stream = InMemoryStream.create("mystream", 1, clock);
        StreamRecord<byte[]> first = put(stream, "k", "r0", Instant.parse("2019-11-14T00:38:04.835123456Z"));
        put(stream, "k", "r1", Instant.parse("2019-11-14T00:38:05Z"));
        StreamRecord<byte[]> last = put(stream, "k", "r2", Instant.parse("2019-11-14T00:38:05.580Z"));

        JsonNode root = givenUpJson("myfunction", stream, Streams.fast().maximumRetryAttempts(2).build(), last);

        assertThat(root.fieldNames()).toIterable()
                .containsExactly("requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo");

        JsonNode request = root.get("requestContext");
        assertThat(request.fieldNames()).toIterable()
                .containsExactly("requestId", "functionArn", "condition", "approximateInvokeCount");
        assertThat(request.get("requestId").isTextual()).isTrue();
        assertThat(UUID.fromString(request.get("requestId").asText()).toString())
                .isEqualTo(request.get("requestId").asText());
        assertThat(request.get("functionArn").asText())
                .isEqualTo("arn:aws:lambda:local:000000000000:function:myfunction");
        assertThat(request.get("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        // 1 invocation + 2 retries, all of which held the three records.
        assertThat(request.get("approximateInvokeCount").isInt()).isTrue();
        assertThat(request.get("approximateInvokeCount").asInt()).isEqualTo(3);

        JsonNode response = root.get("responseContext");
        assertThat(response.fieldNames()).toIterable()
                .containsExactly("statusCode", "executedVersion", "functionError");
        assertThat(response.get("statusCode").isInt()).isTrue();
        assertThat(response.get("statusCode").asInt()).isEqualTo(200);
        assertThat(response.get("executedVersion").asText()).isEqualTo("$LATEST");
        assertThat(response.get("functionError").asText()).isEqualTo("Unhandled");

        assertThat(root.get("version").asText()).isEqualTo("1.0");
        assertThat(root.get("timestamp").asText()).isEqualTo("2019-11-14T00:38:06.021Z");

        JsonNode info = root.get("KinesisBatchInfo");
        assertThat(info.fieldNames()).toIterable().containsExactly("shardId", "startSequenceNumber",
                "endSequenceNumber", "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord",
                "batchSize", "streamArn");
        assertThat(info.get("shardId").asText()).isEqualTo(first.shardId());
        assertThat(info.get("startSequenceNumber").asText()).isEqualTo(first.sequenceNumber());
        assertThat(info.get("endSequenceNumber").asText()).isEqualTo(last.sequenceNumber());
        assertThat(info.get("startSequenceNumber").isTextual()).isTrue();
        // Millisecond precision, always three digits, truncated.
        assertThat(info.get("approximateArrivalOfFirstRecord").asText()).isEqualTo("2019-11-14T00:38:04.835Z");
        assertThat(info.get("approximateArrivalOfLastRecord").asText()).isEqualTo("2019-11-14T00:38:05.580Z");
        assertThat(info.get("batchSize").isInt()).isTrue();
        assertThat(info.get("batchSize").asInt()).isEqualTo(3);
        assertThat(info.get("streamArn").asText()).isEqualTo(stream.streamArn())
                .isEqualTo("arn:aws:kinesis:local:000000000000:stream/mystream");
    }

    @Test
    void wholeSecondArrivalsStillHaveThreeMillisecondDigits() throws Exception {
        InMemoryStream stream = InMemoryStream.create("s", 1, clock);
        StreamRecord<byte[]> only = put(stream, "k", "r0", Instant.parse("2019-11-14T00:38:05Z"));
        clock.set(Instant.parse("2019-11-14T00:38:07Z"));

        JsonNode root = givenUpJson("f", stream, Streams.fast().maximumRetryAttempts(0).build(), only);

        assertThat(root.get("timestamp").asText()).isEqualTo("2019-11-14T00:38:07.000Z");
        assertThat(root.at("/KinesisBatchInfo/approximateArrivalOfFirstRecord").asText())
                .isEqualTo("2019-11-14T00:38:05.000Z");
        assertThat(root.at("/KinesisBatchInfo/approximateArrivalOfLastRecord").asText())
                .isEqualTo("2019-11-14T00:38:05.000Z");
        assertThat(root.at("/KinesisBatchInfo/startSequenceNumber").asText())
                .isEqualTo(root.at("/KinesisBatchInfo/endSequenceNumber").asText());
        assertThat(root.at("/requestContext/approximateInvokeCount").asInt()).isEqualTo(1);
    }

    @Test
    void theFunctionArnSettingIsWrittenAsIs() throws Exception {
        InMemoryStream stream = InMemoryStream.create("s", 1, clock);
        StreamRecord<byte[]> only = put(stream, "k", "r0", NOW);
        String arn = "arn:aws:lambda:us-east-2:123456789012:function:myfunction";

        JsonNode root = givenUpJson("m", stream, Streams.fast().maximumRetryAttempts(0).functionArn(arn).build(),
                only);

        assertThat(root.at("/requestContext/functionArn").asText()).isEqualTo(arn);
    }

    @Test
    void dynamoDbFailureRecordUsesDdbStreamBatchInfoWithSecondPrecision() throws Exception {
        InMemoryStream stream = InMemoryStream.create("table", 1, clock, BatchInfoStyle.DYNAMODB_STREAMS);
        StreamRecord<byte[]> first = put(stream, "k", "r0", Instant.parse("2019-11-14T00:13:19.735Z"));
        StreamRecord<byte[]> last = put(stream, "k", "r1", Instant.parse("2019-11-14T00:13:20.999Z"));

        JsonNode root = givenUpJson("ddb", stream, Streams.fast().maximumRetryAttempts(1).build(), last);

        assertThat(root.fieldNames()).toIterable()
                .containsExactly("requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo");
        assertThat(root.has("KinesisBatchInfo")).isFalse();
        assertThat(root.get("timestamp").asText()).isEqualTo("2019-11-14T00:38:06.021Z");
        assertThat(root.at("/requestContext/approximateInvokeCount").asInt()).isEqualTo(2);
        JsonNode info = root.get("DDBStreamBatchInfo");
        assertThat(info.fieldNames()).toIterable().containsExactly("shardId", "startSequenceNumber",
                "endSequenceNumber", "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord",
                "batchSize", "streamArn");
        assertThat(info.get("shardId").asText()).isEqualTo(first.shardId());
        assertThat(info.get("startSequenceNumber").asText()).isEqualTo(first.sequenceNumber());
        assertThat(info.get("endSequenceNumber").asText()).isEqualTo(last.sequenceNumber());
        assertThat(info.get("approximateArrivalOfFirstRecord").asText()).isEqualTo("2019-11-14T00:13:19Z");
        assertThat(info.get("approximateArrivalOfLastRecord").asText()).isEqualTo("2019-11-14T00:13:20Z");
        assertThat(info.get("batchSize").asInt()).isEqualTo(2);
        assertThat(info.get("streamArn").asText()).isEqualTo(stream.streamArn());
    }

    @Test
    void aRefusingDestinationBlocksTheCheckpointUntilItTakesTheRecordExactlyOnce() throws Exception {
        // Two lanes: key "a" (lane 1) holds the poison record, key "b" (lane 0) keeps succeeding meanwhile, so the
        // checkpoint could only pass the poison record by skipping it.
        InMemoryStream stream = InMemoryStream.create("s", 1, clock);
        assertThat(Math.floorMod("a".hashCode(), 2)).isNotEqualTo(Math.floorMod("b".hashCode(), 2));
        StreamRecord<byte[]> r0 = put(stream, "a", "r0", NOW);
        StreamRecord<byte[]> poison = put(stream, "a", "poison", NOW);
        IntStream.rangeClosed(2, 9).forEach(i -> put(stream, "b", "r" + i, NOW));
        StreamRecord<byte[]> r10 = put(stream, "a", "r10", NOW);
        destination.refuseFirst(Integer.MAX_VALUE);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("poison"));
        EventSourceMapping<byte[]> mapping = mapping("blocked", stream, handler,
                Streams.fast().batchSize(1).parallelizationFactor(2).maximumRetryAttempts(0).build());
        mapping.start();
        try {
            await().until(() -> handler.succeededPayloads(Streams::utf8).containsAll(List.of("r0", "r2", "r9"))
                    && destination.refused() >= 3);
            assertBlocked(handler, r0);
            int refusedSoFar = destination.refused();
            await().until(() -> destination.refused() >= refusedSoFar + 3);
            assertBlocked(handler, r0);
            assertThat(mapping.stateTransitionReason()).as("a shard waiting on its destination shows in the status")
                    .startsWith("PROBLEM: on-failure destination refused the failure record of shard "
                            + poison.shardId() + " (1 records from " + poison.sequenceNumber() + ")")
                    .endsWith("the checkpoint waits: java.lang.IllegalStateException: destination unavailable");

            destination.refuseFirst(0);
            awaitCheckpoint("blocked", r10);
            await().until(mapping::stateTransitionReason, "User action"::equals);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber()).isEqualTo(poison.sequenceNumber());
            assertThat(((StreamBatchInfo) failure.batchInfo()).endSequenceNumber()).isEqualTo(poison.sequenceNumber());
            assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(1);
        });
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactlyInAnyOrderElementsOf(
                IntStream.rangeClosed(0, 10).filter(i -> i != 1).mapToObj(i -> "r" + i).toList());
        assertThat(handler.invocations().stream().filter(b -> b.records().contains(poison)).count()).isEqualTo(1);
        assertThat(counter(MetricNames.DESTINATION_DELIVERY_FAILURES, "blocked")).isEqualTo(destination.refused());
        assertThat(counter(MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT, "blocked")).isEqualTo(1);
        assertThat(counter(MetricNames.DROPPED_EVENT_COUNT, "blocked")).isZero();
    }

    private void assertBlocked(RecordingHandler<byte[]> handler, StreamRecord<byte[]> r0) {
        assertThat(store.load("blocked", r0.shardId()))
                .as("the checkpoint must not pass a record whose failure record was not delivered")
                .contains(new Checkpoint.AtSequenceNumber(r0.sequenceNumber()));
        assertThat(destination.received()).isEmpty();
        assertThat(handler.succeededPayloads(Streams::utf8)).as("the poison record's lane waits for the destination")
                .doesNotContain("r10");
        assertThat(handler.invocations()).noneMatch(b -> Streams.text(b.records().getFirst()).equals("r10"));
    }

    @Test
    void afterKRefusalsTheRecordIsDeliveredOnce() throws Exception {
        InMemoryStream stream = InMemoryStream.create("s", 1, clock);
        put(stream, "k", "poison", NOW);
        StreamRecord<byte[]> after = put(stream, "k", "after", NOW);
        destination.refuseFirst(4);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("poison"));
        EventSourceMapping<byte[]> mapping = mapping("k4", stream, handler,
                Streams.fast().batchSize(1).maximumRetryAttempts(0).build());
        mapping.start();
        try {
            awaitCheckpoint("k4", after);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(destination.refused()).isEqualTo(4);
        assertThat(destination.received()).hasSize(1);
        assertThat(handler.invocations()).extracting(b -> Streams.text(b.records().getFirst()))
                .containsExactly("poison", "after");
        assertThat(counter(MetricNames.DESTINATION_DELIVERY_FAILURES, "k4")).isEqualTo(4);
    }

    @Test
    void stoppingWhileTheDestinationRefusesLeavesTheRecordsForTheNextRun() throws Exception {
        InMemoryStream stream = InMemoryStream.create("s", 1, clock);
        StreamRecord<byte[]> r0 = put(stream, "k", "r0", NOW);
        StreamRecord<byte[]> poison = put(stream, "k", "poison", NOW);
        StreamRecord<byte[]> r2 = put(stream, "k", "r2", NOW);
        destination.refuseFirst(Integer.MAX_VALUE);
        RecordingHandler<byte[]> first = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("poison"));
        StreamSettings settings = Streams.fast().batchSize(1).maximumRetryAttempts(0).build();
        EventSourceMapping<byte[]> mapping = mapping("restart", stream, first, settings);
        mapping.start();
        StopResult stopped;
        try {
            await().until(() -> destination.refused() >= 3);
        } finally {
            stopped = mapping.stop(Duration.ofSeconds(10));
        }
        assertThat(stopped.checkpoints())
                .containsEntry(r0.shardId(), new Checkpoint.AtSequenceNumber(r0.sequenceNumber()));
        assertThat(stopped.recordsNotProcessed()).isGreaterThanOrEqualTo(1);
        assertThat(store.load("restart", r0.shardId()))
                .contains(new Checkpoint.AtSequenceNumber(r0.sequenceNumber()));
        assertThat(first.succeededPayloads(Streams::utf8)).containsExactly("r0");

        // The next run starts after r0: the undelivered poison record is invoked again, then delivered.
        CollectingDestination accepting = new CollectingDestination();
        RecordingHandler<byte[]> second = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("poison"));
        EventSourceMapping<byte[]> restarted = EventSourceMapping.builder("restart", stream, second)
                .settings(settings).leaseStore(store).onFailure(accepting).clock(clock).build();
        restarted.start();
        try {
            awaitCheckpoint("restart", r2);
        } finally {
            Streams.stopQuietly(restarted);
        }
        assertThat(second.invocations()).extracting(b -> Streams.text(b.records().getFirst()))
                .containsExactly("poison", "r2");
        assertThat(accepting.received()).singleElement()
                .satisfies(f -> assertThat(((StreamBatchInfo) f.batchInfo()).startSequenceNumber()).isEqualTo(poison.sequenceNumber()));
        assertThat(destination.received()).isEmpty();
    }

    @Test
    void everyFailureRecordHasItsOwnRequestId() throws Exception {
        InMemoryStream stream = InMemoryStream.create("s", 1, clock);
        put(stream, "k", "poison", NOW);
        put(stream, "k", "poison", NOW);
        StreamRecord<byte[]> last = put(stream, "k", "poison", NOW);
        EventSourceMapping<byte[]> mapping = mapping("ids", stream, RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("poison")),
                Streams.fast().batchSize(1).maximumRetryAttempts(0).build());
        mapping.start();
        try {
            awaitCheckpoint("ids", last);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(destination.received()).hasSize(3)
                .extracting(f -> UUID.fromString(f.requestContext().requestId())).doesNotHaveDuplicates();
    }

    @Test
    void withoutADestinationGivenUpRecordsAreDroppedAndCounted() throws Exception {
        InMemoryStream stream = InMemoryStream.create("s", 1, clock);
        put(stream, "k", "old0", NOW.minusSeconds(120));
        put(stream, "k", "p1", NOW);
        put(stream, "k", "p2", NOW);
        StreamRecord<byte[]> ok3 = put(stream, "k", "ok3", NOW);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.records().stream().anyMatch(r -> Streams.text(r).startsWith("p"))) {
                throw new IllegalStateException("poison");
            }
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("nodest", stream, handler)
                .settings(Streams.fast().batchSize(3).maximumRetryAttempts(1).maximumRecordAgeInSeconds(60).build())
                .leaseStore(store).meterRegistry(registry).clock(clock).build();
        mapping.start();
        try {
            awaitCheckpoint("nodest", ok3);
        } finally {
            Streams.stopQuietly(mapping);
        }

        // old0 dropped for its age without an invocation; p1 and p2 after 1 + 1 invocations.
        assertThat(handler.invocations()).extracting(b -> b.records().stream().map(Streams::text).toList())
                .containsExactly(List.of("p1", "p2"), List.of("p1", "p2"), List.of("ok3"));
        assertThat(counter(MetricNames.DROPPED_EVENT_COUNT, "nodest")).isEqualTo(3);
        assertThat(counter(MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT, "nodest")).isZero();
        assertThat(destination.received()).isEmpty();
    }

    @Test
    void theFailureRecordCarriesTheGivenUpRecordsButNotInItsJson() throws Exception {
        InMemoryStream stream = InMemoryStream.create("s", 1, clock);
        StreamRecord<byte[]> r0 = put(stream, "k", "r0", NOW);
        StreamRecord<byte[]> r1 = put(stream, "k", "r1", NOW);

        JsonNode root = givenUpJson("payload", stream, Streams.fast().maximumRetryAttempts(0).build(), r1);

        FailureRecord failure = destination.received().getFirst();
        assertThat(List.<Object>copyOf(failure.records())).containsExactly(r0, r1);
        assertThat(root.has("payload")).isFalse();
        assertThat(root.toString()).doesNotContain("\"r0\"");
    }
}

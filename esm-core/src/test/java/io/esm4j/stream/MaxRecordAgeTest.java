package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.RecordingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MaximumRecordAgeInSeconds and MaximumRetryAttempts (docs/lambda-semantics.md §2.3, §9): records too old are not
 * invoked and are given up with condition RecordAgeExceeded and no responseContext, while the fresh rest of the batch
 * is invoked; N retries mean N+1 invocations; -1 retries forever.
 */
class MaxRecordAgeTest {

    private static final Instant T0 = Instant.parse("2024-05-01T12:00:00.000Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryStream stream = InMemoryStream.create("age", 1, clock);
    private final String shardId = stream.openShardIds().getFirst();
    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final CollectingDestination destination = new CollectingDestination();

    private EventSourceMapping<byte[]> mapping(RecordingHandler<byte[]> handler, StreamSettings settings) {
        return EventSourceMapping.builder("age", stream, handler).settings(settings).leaseStore(store)
                .onFailure(destination).clock(clock).build();
    }

    private StreamRecord<byte[]> put(String data, Instant arrival) {
        return stream.put("k", data.getBytes(StandardCharsets.UTF_8), arrival);
    }

    private void awaitCheckpointAt(StreamRecord<byte[]> record) {
        await().until(() -> store.load("age", shardId),
                cp -> cp.equals(Optional.of(new Checkpoint.AtSequenceNumber(record.sequenceNumber()))));
    }

    private static List<String> data(Batch<StreamRecord<byte[]>> batch) {
        return batch.records().stream().map(Streams::text).toList();
    }

    @Test
    void recordsOlderThanTheMaximumAreNotInvokedButTheFreshRestOfTheBatchIs() throws Exception {
        StreamRecord<byte[]> old0 = put("old0", T0.minus(Duration.ofHours(1)));
        put("old1", T0.minusSeconds(120));
        StreamRecord<byte[]> old2 = put("old2", T0.minusSeconds(61));
        put("fresh3", T0.minusSeconds(59));
        StreamRecord<byte[]> fresh4 = put("fresh4", T0);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = mapping(handler,
                Streams.fast().maximumRecordAgeInSeconds(60).build());
        mapping.start();
        try {
            awaitCheckpointAt(fresh4);
            await().until(() -> destination.received().size() == 1);
        } finally {
            Streams.stopQuietly(mapping);
        }

        // The fresh records were invoked, in one batch: the old ones were taken out of it, not split off.
        assertThat(handler.invocations()).hasSize(1);
        assertThat(data(handler.invocations().getFirst())).containsExactly("fresh3", "fresh4");
        assertThat(handler.invocations().getFirst().approximateInvokeCount()).isEqualTo(1);

        assertThat(destination.received()).hasSize(1);
        FailureRecord failure = destination.received().getFirst();
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
        assertThat(failure.requestContext().approximateInvokeCount()).isZero();
        assertThat(failure.responseContext()).isNull();
        assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber()).isEqualTo(old0.sequenceNumber());
        assertThat(((StreamBatchInfo) failure.batchInfo()).endSequenceNumber()).isEqualTo(old2.sequenceNumber());
        assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(3);
        assertThat(failure.records()).hasSize(3);

        JsonNode json = JSON.readTree(failure.toJson());
        assertThat(json.has("responseContext")).isFalse();
        assertThat(json.fieldNames()).toIterable()
                .containsExactly("requestContext", "version", "timestamp", "KinesisBatchInfo");
        assertThat(json.path("requestContext").path("condition").asText()).isEqualTo("RecordAgeExceeded");
    }

    @Test
    void aRecordThatGetsTooOldWhileRetryingIsDiscardedOnTheNextAttempt() throws Exception {
        put("r0", T0.minusSeconds(50));
        put("r1", T0.minusSeconds(10));
        StreamRecord<byte[]> r2 = put("r2", T0);
        AtomicBoolean failed = new AtomicBoolean();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (failed.compareAndSet(false, true)) {
                clock.advance(Duration.ofSeconds(20)); // r0 is now 70 s old, r1 30 s, r2 20 s
                throw new IllegalStateException("first attempt fails");
            }
            return BatchResult.success();
        });
        // Unlimited retries: only the age can end r0's retries.
        EventSourceMapping<byte[]> mapping = mapping(handler,
                Streams.fast().maximumRecordAgeInSeconds(60).build());
        mapping.start();
        try {
            awaitCheckpointAt(r2);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.invocations()).extracting(MaxRecordAgeTest::data)
                .containsExactly(List.of("r0", "r1", "r2"), List.of("r1", "r2"));
        assertThat(destination.received()).hasSize(1);
        FailureRecord failure = destination.received().getFirst();
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
        assertThat(failure.requestContext().approximateInvokeCount()).isEqualTo(1);
        assertThat(failure.responseContext()).isNull();
        assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(1);
        assertThat(Streams.text(castRecord(failure.records().getFirst()))).isEqualTo("r0");
        assertThat(failure.timestamp()).isEqualTo(T0.plusSeconds(20));
        assertThat(JSON.readTree(failure.toJson()).has("responseContext")).isFalse();
    }

    @Test
    void aWholeBatchThatGetsTooOldWhileRetryingIsNotInvokedAgain() throws Exception {
        put("r0", T0);
        StreamRecord<byte[]> r1 = put("r1", T0);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            clock.advance(Duration.ofSeconds(61));
            throw new IllegalStateException("always fails");
        });
        EventSourceMapping<byte[]> mapping = mapping(handler,
                Streams.fast().maximumRecordAgeInSeconds(60).build());
        mapping.start();
        try {
            awaitCheckpointAt(r1);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.invocationCount()).isEqualTo(1);
        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
            assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(2);
            assertThat(failure.responseContext()).isNull();
        });
    }

    @Test
    void aRecordThatGetsTooOldWhileTheDestinationRefusesTheOldOnesIsNotInvoked() throws Exception {
        put("old", T0.minusSeconds(120));
        StreamRecord<byte[]> fresh = put("fresh", T0);
        AtomicBoolean refused = new AtomicBoolean();
        // The first delivery is refused, and the shard waits on the destination for two minutes: "fresh" is then
        // as much too old as "old" was.
        io.esm4j.failure.FailureDestination slow = record -> {
            if (refused.compareAndSet(false, true)) {
                clock.advance(Duration.ofSeconds(120));
                throw new IllegalStateException("destination unavailable");
            }
            destination.send(record);
        };
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("age", stream, handler)
                .settings(Streams.fast().maximumRecordAgeInSeconds(60).build()).leaseStore(store)
                .onFailure(slow).clock(clock).build();
        mapping.start();
        try {
            awaitCheckpointAt(fresh);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.invocations()).as("a record older than the maximum age is never invoked").isEmpty();
        assertThat(destination.received()).hasSize(2).allSatisfy(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
            assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(1);
        });
        assertThat(((StreamBatchInfo) destination.received().get(1).batchInfo()).startSequenceNumber())
                .isEqualTo(fresh.sequenceNumber());
    }

    @Test
    void withoutAMaximumAgeAnOldRecordIsInvoked() throws Exception {
        StreamRecord<byte[]> ancient = put("ancient", T0.minus(Duration.ofDays(30)));
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = mapping(handler, Streams.fast().build());
        mapping.start();
        try {
            awaitCheckpointAt(ancient);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("ancient");
        assertThat(destination.received()).isEmpty();
    }

    @ParameterizedTest(name = "MaximumRetryAttempts {0}")
    @ValueSource(ints = {0, 1, 3})
    void maximumRetryAttemptsNGivesExactlyNPlusOneInvocations(int retries) throws Exception {
        put("poison", T0);
        StreamRecord<byte[]> after = put("after", T0);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("poison"));
        EventSourceMapping<byte[]> mapping = mapping(handler,
                Streams.fast().batchSize(1).maximumRetryAttempts(retries).build());
        mapping.start();
        try {
            awaitCheckpointAt(after);
        } finally {
            Streams.stopQuietly(mapping);
        }

        List<Batch<StreamRecord<byte[]>>> poisonInvocations = handler.invocations().stream()
                .filter(b -> data(b).contains("poison")).toList();
        assertThat(poisonInvocations).hasSize(retries + 1);
        assertThat(poisonInvocations).extracting(Batch::approximateInvokeCount)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, retries + 1).boxed().toList());
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("after");
        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RetryAttemptsExhausted);
            assertThat(failure.requestContext().approximateInvokeCount()).isEqualTo(retries + 1);
            assertThat(failure.responseContext()).isEqualTo(FailureRecord.ResponseContext.unhandled());
            assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(1);
        });
    }

    @Test
    void minusOneRetriesKeepsRetryingAndNeverGivesUp() throws Exception {
        put("poison", T0);
        put("after", T0);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("poison"));
        EventSourceMapping<byte[]> mapping = mapping(handler,
                Streams.fast().batchSize(1).maximumRetryAttempts(-1).build());
        mapping.start();
        try {
            await().until(() -> handler.invocationCount() > 20);
            assertThat(destination.received()).isEmpty();
            assertThat(store.load("age", shardId)).isEmpty();
            assertThat(handler.succeededPayloads(Streams::utf8)).isEmpty();
            assertThat(handler.invocations()).allSatisfy(b -> assertThat(data(b)).containsExactly("poison"));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(destination.received()).isEmpty();
        assertThat(store.load("age", shardId)).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static StreamRecord<byte[]> castRecord(Object record) {
        return (StreamRecord<byte[]>) record;
    }
}

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
import org.junit.jupiter.api.Test;

/**
 * With MaximumRecordAgeInSeconds -1 Lambda retries a failing batch "until the records expire" from the stream
 * (docs/lambda-semantics.md §9): records older than the source's retention are given up like records past their
 * maximum age. Every failed invocation moves the test clock on, so no test waits for real time to pass.
 */
class StreamRetentionTest {

    private static final Instant T0 = Instant.parse("2024-05-01T12:00:00.000Z");
    private static final Duration DAY = Duration.ofHours(24);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryStream stream = InMemoryStream.create("retention", 1, clock);
    private final String shardId = stream.openShardIds().getFirst();
    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final CollectingDestination destination = new CollectingDestination();
    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();

    /** Fails every batch holding "poison", moving the clock on by {@code step} first. */
    private RecordingHandler<byte[]> poisonAging(Duration step) {
        return RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (data(batch).contains("poison")) {
                clock.advance(step);
                throw new IllegalStateException("poison record");
            }
            return BatchResult.success();
        });
    }

    private EventSourceMapping<byte[]> start(RecordingHandler<byte[]> handler, StreamSettings settings, boolean withDestination) {
        EventSourceMapping.Builder<byte[]> builder = EventSourceMapping.builder("retention", stream, handler)
                .settings(settings).leaseStore(store).meterRegistry(registry).clock(clock);
        EventSourceMapping<byte[]> mapping = (withDestination ? builder.onFailure(destination) : builder).build();
        mapping.start();
        return mapping;
    }

    private void awaitCheckpointAt(StreamRecord<byte[]> record) {
        await().until(() -> store.load("retention", shardId),
                cp -> cp.equals(Optional.of(new Checkpoint.AtSequenceNumber(record.sequenceNumber()))));
    }

    private static byte[] bytes(String data) {
        return data.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> data(Batch<StreamRecord<byte[]>> batch) {
        return batch.records().stream().map(Streams::text).toList();
    }

    private long poisonInvocations(RecordingHandler<byte[]> handler) {
        return handler.invocations().stream().filter(b -> data(b).contains("poison")).count();
    }

    @Test
    void withTheDefaultsAFailingRecordIsGivenUpOnceItIsOlderThanTheRetention() throws Exception {
        stream.retention(DAY);
        StreamRecord<byte[]> poison = stream.put("k", bytes("poison"), T0);
        // Arrives while the poison record is retried, so it is still within the retention when its turn comes.
        StreamRecord<byte[]> after = stream.put("k", bytes("after"), T0.plus(Duration.ofHours(20)));
        RecordingHandler<byte[]> handler = poisonAging(Duration.ofHours(6));
        EventSourceMapping<byte[]> mapping = start(handler, Streams.fast().batchSize(1).build(), true);
        try {
            awaitCheckpointAt(after);
        } finally {
            Streams.stopQuietly(mapping);
        }

        // Invoked at 0, 6, 12, 18 and 24 h (24 h is not older than the retention), not at 30 h.
        assertThat(poisonInvocations(handler)).isEqualTo(5);
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("after");
        FailureRecord failure = destination.received().getFirst();
        assertThat(destination.received()).hasSize(1);
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
        assertThat(failure.requestContext().approximateInvokeCount()).isEqualTo(5);
        assertThat(failure.responseContext()).isNull();
        assertThat(failure.timestamp()).isEqualTo(T0.plus(Duration.ofHours(30)));
        StreamBatchInfo info = (StreamBatchInfo) failure.batchInfo();
        assertThat(info.shardId()).isEqualTo(shardId);
        assertThat(info.startSequenceNumber()).isEqualTo(poison.sequenceNumber());
        assertThat(info.endSequenceNumber()).isEqualTo(poison.sequenceNumber());
        assertThat(info.batchSize()).isEqualTo(1);

        JsonNode json = JSON.readTree(failure.toJson());
        assertThat(json.fieldNames()).toIterable()
                .containsExactly("requestContext", "version", "timestamp", "KinesisBatchInfo");
        assertThat(json.path("requestContext").path("condition").asText()).isEqualTo("RecordAgeExceeded");
        assertThat(json.path("requestContext").path("approximateInvokeCount").asInt()).isEqualTo(5);
        assertThat(json.path("KinesisBatchInfo").path("batchSize").asInt()).isEqualTo(1);
    }

    @Test
    void withoutADestinationAnExpiredRecordIsDroppedAndCounted() throws Exception {
        stream.retention(DAY);
        stream.put("k", bytes("poison"), T0);
        StreamRecord<byte[]> after = stream.put("k", bytes("after"), T0.plus(Duration.ofHours(20)));
        RecordingHandler<byte[]> handler = poisonAging(Duration.ofHours(6));
        EventSourceMapping<byte[]> mapping = start(handler, Streams.fast().batchSize(1).build(), false);
        try {
            awaitCheckpointAt(after);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(poisonInvocations(handler)).isEqualTo(5);
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("after");
        assertThat(registry.get(MetricNames.DROPPED_EVENT_COUNT).tag(MetricNames.MAPPING_TAG, "retention").counter()
                .count()).isEqualTo(1);
        assertThat(destination.received()).isEmpty();
    }

    @Test
    void aSourceWithoutRetentionKeepsRetrying() throws Exception {
        stream.put("k", bytes("poison"), T0);
        stream.put("k", bytes("after"), T0);
        RecordingHandler<byte[]> handler = poisonAging(Duration.ofDays(30));
        EventSourceMapping<byte[]> mapping = start(handler, Streams.fast().batchSize(1).build(), true);
        try {
            await().until(() -> handler.invocationCount() > 5); // more than 150 days of retries
            assertThat(destination.received()).isEmpty();
            assertThat(store.load("retention", shardId)).isEmpty();
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(stream.retention()).isEmpty();
        assertThat(handler.succeededPayloads(Streams::utf8)).isEmpty();
        assertThat(destination.received()).isEmpty();
    }

    @Test
    void aShorterMaximumRecordAgeWinsOverTheRetention() throws Exception {
        stream.retention(DAY);
        stream.put("k", bytes("poison"), T0);
        StreamRecord<byte[]> after = stream.put("k", bytes("after"), T0.plus(Duration.ofHours(6)));
        RecordingHandler<byte[]> handler = poisonAging(Duration.ofHours(2));
        EventSourceMapping<byte[]> mapping = start(handler,
                Streams.fast().batchSize(1).maximumRecordAgeInSeconds(3_600).build(), true);
        try {
            awaitCheckpointAt(after);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(poisonInvocations(handler)).isEqualTo(1);
        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
            assertThat(failure.timestamp()).isEqualTo(T0.plus(Duration.ofHours(2)));
        });
    }

    @Test
    void aLongerMaximumRecordAgeStopsAtTheRetention() throws Exception {
        stream.retention(DAY);
        stream.put("k", bytes("poison"), T0);
        StreamRecord<byte[]> after = stream.put("k", bytes("after"), T0.plus(Duration.ofHours(20)));
        RecordingHandler<byte[]> handler = poisonAging(Duration.ofHours(6));
        EventSourceMapping<byte[]> mapping = start(handler,
                Streams.fast().batchSize(1).maximumRecordAgeInSeconds(604_800).build(), true);
        try {
            awaitCheckpointAt(after);
        } finally {
            Streams.stopQuietly(mapping);
        }

        // A week is allowed, but the stream keeps records for a day: as in Lambda, retries end when they expire
        // (invoked at 0, 6, 12, 18 and 24 h).
        assertThat(poisonInvocations(handler)).isEqualTo(5);
        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
            assertThat(failure.requestContext().approximateInvokeCount()).isEqualTo(5);
        });
    }
}

package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.RecordsJson;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A tumbling window's event carries, besides its records and state, the window's bounds, the shard id, the stream's
 * ARN and the two flags (RecordsJson.withWindow): the 6 MB cap counts them too, or a batch of records just under the
 * cap is an event over it.
 */
class WindowPayloadCapTest {

    private static final Instant WINDOW_START = Instant.parse("2026-01-01T00:00:00Z");
    private static final String EMPTY = "{\"Records\":[]}";

    private final MutableClock clock = new MutableClock(WINDOW_START.plusSeconds(1));
    private final InMemoryStream stream = InMemoryStream.create("window-cap", 1, clock);

    /** The bytes of the batch's event: its envelope and records as the source counts them, and the window's fields. */
    private long eventBytes(Batch<StreamRecord<byte[]>> batch) {
        long bytes = stream.eventEnvelopeBytes(batch.partition())
                + RecordsJson.withWindow(EMPTY, batch).getBytes(StandardCharsets.UTF_8).length - EMPTY.length();
        for (StreamRecord<byte[]> record : batch.records()) {
            bytes += record.sizeBytes();
        }
        return bytes;
    }

    @Test
    void aBatchOfRecordsThatFillTheCapExactlyLeavesRoomForTheWindowsFields() throws Exception {
        List<Long> events = new CopyOnWriteArrayList<>();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        // Seven records that fill the 6 MB exactly (with an empty state), then one more: the clock stands still, so
        // the batching window never elapses and the first batch forms when the cap is reached.
        for (int i = 0; i < 6; i++) {
            stream.put("k", new byte[1_000_000], WINDOW_START.plusSeconds(2));
        }
        stream.put("k", new byte[StreamSettings.MAX_PAYLOAD_BYTES - 6_000_000], WINDOW_START.plusSeconds(2));
        stream.put("k", new byte[1], WINDOW_START.plusSeconds(2));
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            events.add(eventBytes(batch));
            sizes.add(batch.size());
            return BatchResult.state(Map.of());
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("window-cap", stream, handler)
                .settings(Streams.fast().batchSize(100).tumblingWindowInSeconds(60)
                        .maximumBatchingWindow(Duration.ofSeconds(1)).build())
                .clock(clock).build();
        mapping.start();
        try {
            // Once the full batch is under way, the clock moves so that the rest's batching window elapses.
            await().until(() -> {
                if (!sizes.isEmpty()) {
                    clock.advance(Duration.ofMillis(200));
                }
                return sizes.stream().mapToInt(Integer::intValue).sum() == 8;
            });
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(events).allSatisfy(bytes -> assertThat(bytes).isLessThanOrEqualTo(StreamSettings.MAX_PAYLOAD_BYTES));
    }
}

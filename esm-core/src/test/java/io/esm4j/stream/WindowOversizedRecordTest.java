package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A record that fits the 6 MB invocation payload on its own but not with a tumbling window's fields and state (which
 * travel in the same event) is treated as a record over the cap is without windows: a source that gives such records
 * up ({@link StreamSource#exceedsPayloadLimit}, as Kafka's does) has it given up with MaximumPayloadSizeExceeded and
 * never invoked, where it was invoked alone in an event over 6 MB; a source that invokes oversize records alone (the
 * default: Kinesis, DynamoDB Streams, whose behaviour AWS does not document) still does.
 */
class WindowOversizedRecordTest {

    private static final Instant WINDOW_START = Instant.parse("2026-01-01T00:00:00Z");
    /** The cap exactly, on its own (the in-memory stream's events have no envelope besides their records). */
    private static final byte[] FITS_ALONE = new byte[StreamSettings.MAX_PAYLOAD_BYTES];

    private final MutableClock clock = new MutableClock(WINDOW_START.plusSeconds(1));
    private final InMemoryStream stream = InMemoryStream.create("window-oversized", 1, clock);
    private final CollectingDestination destination = new CollectingDestination();

    @Test
    void aSourceThatGivesUpOversizeRecordsGivesUpOneThatOnlyTheWindowsFieldsPushOverTheCap() {
        // Without a window, this record's event is exactly 6 MB: it would be invoked.
        assertThat(new GivesUpOversize().exceedsPayloadLimit(
                new StreamRecord<>("s", "1", "k", WINDOW_START, FITS_ALONE.length, FITS_ALONE))).isFalse();
        stream.put("k", bytes("a"), WINDOW_START.plusSeconds(2));
        StreamRecord<byte[]> big = stream.put("k", FITS_ALONE, WINDOW_START.plusSeconds(2));
        stream.put("k", bytes("b"), WINDOW_START.plusSeconds(2));
        RecordingHandler<byte[]> handler = windowHandler();

        run(new GivesUpOversize(), handler);

        assertThat(handler.invocations()).allSatisfy(batch -> assertThat(batch.records())
                .extracting(StreamRecord::sizeBytes).allMatch(size -> size < FITS_ALONE.length));
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("a", "b");
        FailureRecord failure = destination.received().getFirst();
        assertThat(destination.received()).hasSize(1);
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.MaximumPayloadSizeExceeded);
        assertThat(failure.requestContext().approximateInvokeCount()).isZero();
        assertThat(failure.responseContext()).isNull();
        assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber()).isEqualTo(big.sequenceNumber());
    }

    @Test
    void aSourceThatInvokesOversizeRecordsAloneStillDoesInAWindow() {
        stream.put("k", bytes("a"), WINDOW_START.plusSeconds(2));
        stream.put("k", FITS_ALONE, WINDOW_START.plusSeconds(2));
        stream.put("k", bytes("b"), WINDOW_START.plusSeconds(2));
        RecordingHandler<byte[]> handler = windowHandler();

        run(stream, handler);

        assertThat(handler.invocations()).filteredOn(batch -> !batch.records().isEmpty())
                .extracting(batch -> batch.records().size()).containsExactly(1, 1, 1);
        assertThat(destination.received()).isEmpty();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static RecordingHandler<byte[]> windowHandler() {
        return RecordingHandler.<byte[]>succeeding().behave(batch -> BatchResult.state(Map.of()));
    }

    /** Runs until "b" was invoked; the clock stands still, so the window stays open. */
    private void run(StreamSource<byte[]> source, RecordingHandler<byte[]> handler) {
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("window-oversized", source, handler)
                .settings(Streams.fast().batchSize(10).tumblingWindowInSeconds(60).build())
                .onFailure(destination).clock(clock).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeededPayloads(Streams::utf8).contains("b"));
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    /** The in-memory stream, giving up a record whose event would be over the cap, as the Kafka source does. */
    private final class GivesUpOversize extends ForwardingStreamSource<byte[]> {

        GivesUpOversize() {
            super(stream);
        }

        @Override
        public boolean exceedsPayloadLimit(StreamRecord<byte[]> record) {
            return eventEnvelopeBytes(record.shardId()) + (long) record.sizeBytes() > StreamSettings.MAX_PAYLOAD_BYTES;
        }
    }
}

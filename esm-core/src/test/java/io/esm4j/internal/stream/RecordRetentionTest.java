package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.stream.StreamRecord;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A record's payload is free for the garbage collector once its batch is done, even while the checkpoint waits for
 * an earlier record: the flow budget gives its bytes back at that moment, so neither the checkpoint tracker nor a
 * lane's queue may keep it.
 */
class RecordRetentionTest {

    private static final Instant ARRIVAL = Instant.parse("2026-12-06T00:00:00Z");

    @Test
    void theTrackerKeepsNoRecordWhileTheDonePrefixWaits() {
        CheckpointTracker tracker = new CheckpointTracker(100);
        List<WeakReference<byte[]>> payloads = new ArrayList<>();
        long first = register(tracker, payloads, 10);

        for (int i = 1; i < 10; i++) {
            tracker.markDone(first + i);
        }
        assertThat(tracker.advance()).isNull();

        awaitCollected(payloads.subList(1, 10));
        tracker.markDone(first);
        assertThat(tracker.advance()).isEqualTo("109");
    }

    @Test
    void aLanesQueueLetsGoOfTheRecordsABatchTookWhileTheRestOfTheirOfferWaits() throws Exception {
        Lane<byte[]> lane = new Lane<>(4, 0, Clock.fixed(ARRIVAL, ZoneOffset.UTC), 0, 0);
        List<WeakReference<byte[]>> payloads = new ArrayList<>();
        List<Entry<byte[]>> offered = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] payload = new byte[1024];
            payloads.add(new WeakReference<>(payload));
            offered.add(new Entry<>(i, StreamRecord.numbered("s", i, null, ARRIVAL, payload.length, payload)));
        }
        lane.offerAll(offered);
        offered = null;

        List<Entry<byte[]>> batch = lane.nextBatch(ARRIVAL, Duration.ZERO, () -> false, null);
        assertThat(batch).extracting(entry -> entry.ordinal).containsExactly(0L, 1L, 2L, 3L);
        batch = null;

        awaitCollected(payloads.subList(0, 4));
        assertThat(payloads.subList(4, 10)).allSatisfy(payload -> assertThat(payload.get()).isNotNull());
        assertThat(lane.nextBatch(ARRIVAL, Duration.ZERO, () -> false, null)).extracting(entry -> entry.ordinal)
                .containsExactly(4L, 5L, 6L, 7L);
    }

    /** Registers records with payloads only the tracker could keep; returns the first's ordinal. */
    private static long register(CheckpointTracker tracker, List<WeakReference<byte[]>> payloads, int count) {
        List<StreamRecord<byte[]>> read = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] payload = new byte[1024];
            payloads.add(new WeakReference<>(payload));
            read.add(StreamRecord.numbered("s", 100 + i, null, ARRIVAL, payload.length, payload));
        }
        return tracker.registerAll(read);
    }

    private static void awaitCollected(List<WeakReference<byte[]>> payloads) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            System.gc();
            return payloads.stream().allMatch(payload -> payload.get() == null);
        });
    }
}

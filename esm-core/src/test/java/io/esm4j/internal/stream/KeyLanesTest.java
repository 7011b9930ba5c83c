package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.stream.StreamRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Free-key routing: one key's records in read order and never in two batches at once, any free key to any lane,
 * keyless records as one key, Lambda's batching triggers, free keys shared among idle lanes, and, under a
 * MaximumConcurrency, lanes that start as keys need them and end when idle.
 */
class KeyLanesTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Duration NO_WINDOW = Duration.ZERO;
    private static final Duration LONG_WINDOW = Duration.ofHours(1);

    private final AtomicLong ordinals = new AtomicLong();
    /** The lanes the queues started, in order; a test plays their threads. */
    private final List<KeyLanes<String>.KeyLane> started = new ArrayList<>();

    @Test
    void aBusyKeyWaitsWhileOtherKeysGoToTheNextLaneAndItsRecordsComeInOrder() throws Exception {
        KeyLanes<String> lanes = fixedLanes(2, 2);
        List<Entry<String>> a = new ArrayList<>();
        a.add(entry("a"));
        Entry<String> b1 = entry("b");
        a.add(entry("a"));
        Entry<String> c1 = entry("c");
        a.add(entry("a"));
        lanes.offerAll(List.of(a.get(0), b1, a.get(1), c1, a.get(2)));

        List<Entry<String>> first = next(0, NO_WINDOW);
        assertThat(first).containsExactly(a.get(0), b1);
        // a and b are in flight: a second lane gets c alone, not a's next record.
        assertThat(next(1, NO_WINDOW)).containsExactly(c1);

        lanes.done(List.of(b1));
        CompletableFuture<List<Entry<String>>> third = nextAsync(0, NO_WINDOW);
        await().until(() -> lanes.idleLanes() == 1);
        assertThat(third).isNotDone();
        lanes.done(List.of(a.getFirst()));
        assertThat(third.get(30, TimeUnit.SECONDS)).containsExactly(a.get(1), a.get(2));
    }

    @Test
    void keylessRecordsAreOneKeyInReadOrder() throws Exception {
        KeyLanes<String> lanes = fixedLanes(1, 1);
        Entry<String> n1 = entry(null);
        Entry<String> n2 = entry(null);
        Entry<String> x1 = entry("x");
        lanes.offerAll(List.of(n1, n2, x1));

        assertThat(next(0, NO_WINDOW)).containsExactly(n1);
        assertThat(next(0, NO_WINDOW)).containsExactly(x1);
        lanes.done(List.of(n1));
        assertThat(next(0, NO_WINDOW)).containsExactly(n2);
    }

    @Test
    void aBatchMergesTheFreeKeysInReadOrderUpToBatchSize() throws Exception {
        KeyLanes<String> lanes = fixedLanes(5, 1);
        List<Entry<String>> read = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            read.add(entry("a"));
            read.add(entry("b"));
        }
        lanes.offerAll(read);

        assertThat(next(0, LONG_WINDOW)).containsExactlyElementsOf(read.subList(0, 5));
    }

    @Test
    void withinTheBatchingWindowOnlyRecordsOfFreeKeysCountTowardsBatchSize() throws Exception {
        KeyLanes<String> lanes = fixedLanes(2, 1);
        Entry<String> a1 = entry("a");
        Entry<String> b1 = entry("b");
        lanes.offerAll(List.of(a1, b1));
        assertThat(next(0, LONG_WINDOW)).containsExactly(a1, b1);

        Entry<String> a2 = entry("a");
        Entry<String> c1 = entry("c");
        lanes.offerAll(List.of(a2, c1));
        CompletableFuture<List<Entry<String>>> batch = nextAsync(0, LONG_WINDOW);
        await().until(() -> lanes.idleLanes() == 1);
        assertThat(batch).isNotDone();
        lanes.done(List.of(a1, b1));
        assertThat(batch.get(30, TimeUnit.SECONDS)).containsExactly(a2, c1);
    }

    @Test
    void theSixMegabyteCapEndsABatchAndFillsOneWithoutWaitingForTheWindow() throws Exception {
        KeyLanes<String> lanes = fixedLanes(10, 1);
        int fourMegabytes = 4 * 1024 * 1024;
        Entry<String> a1 = entry("a", fourMegabytes);
        Entry<String> b1 = entry("b", fourMegabytes);
        lanes.offerAll(List.of(a1, b1));

        // 8 MB of free keys wait: a batch forms at once, with what fits under 6 MB.
        assertThat(next(0, LONG_WINDOW)).containsExactly(a1);
        lanes.done(List.of(a1));
        assertThat(next(0, NO_WINDOW)).containsExactly(b1);
    }

    @Test
    void idleLanesShareTheFreeKeys() throws Exception {
        KeyLanes<String> lanes = fixedLanes(100, 3);
        List<CompletableFuture<List<Entry<String>>>> batches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batches.add(nextAsync(i, NO_WINDOW));
        }
        await().until(() -> lanes.idleLanes() == 3);
        List<Entry<String>> read = new ArrayList<>();
        for (String key : List.of("a", "b", "c", "d", "e", "f")) {
            read.addAll(entries(key, 2));
        }
        lanes.offerAll(read);

        Set<String> keysSeen = new HashSet<>();
        int records = 0;
        for (CompletableFuture<List<Entry<String>>> batch : batches) {
            List<String> keys = batch.get(30, TimeUnit.SECONDS).stream().map(e -> e.record.partitionKey()).toList();
            assertThat(new HashSet<>(keys)).hasSize(2);
            assertThat(keysSeen.addAll(keys)).isTrue();
            records += keys.size();
        }
        assertThat(keysSeen).hasSize(6);
        assertThat(records).isEqualTo(12);
    }

    @Test
    void closingEndsTheWaitingLanes() throws Exception {
        KeyLanes<String> lanes = fixedLanes(10, 1);
        CompletableFuture<List<Entry<String>>> batch = nextAsync(0, NO_WINDOW);
        await().until(() -> lanes.idleLanes() == 1);
        lanes.close();
        assertThat(batch.get(30, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void underACapLanesStartAsFreeKeysNeedThemAndAnIdleLaneAboveTheMinimumEnds() throws Exception {
        KeyLanes<String> lanes = new KeyLanes<>(10, CLOCK, 0, 1, 4, started::add);
        lanes.startLanes();
        assertThat(lanes.lanes()).isEqualTo(1);
        List<Entry<String>> read = new ArrayList<>();
        for (String key : List.of("a", "b", "c", "d", "e", "f")) {
            read.addAll(entries(key, 2));
        }
        lanes.offerAll(read);
        // Six free keys, one lane starting: three more start, and no more than the bound of four.
        assertThat(lanes.lanes()).isEqualTo(4);
        assertThat(started).hasSize(4);

        // Each lane takes its share of the free keys (6 over 4 lanes, rounded up), not all of them.
        List<Entry<String>> first = next(0, NO_WINDOW);
        assertThat(first.stream().map(e -> e.record.partitionKey()).distinct()).hasSize(2);
        List<Entry<String>> handedOut = new ArrayList<>(first);
        for (int i = 1; i < 4; i++) {
            handedOut.addAll(next(i, NO_WINDOW));
        }
        assertThat(handedOut).containsExactlyInAnyOrderElementsOf(read);
        lanes.done(handedOut);

        // Nothing left: of two idle lanes, one ends; the last one waits.
        CompletableFuture<List<Entry<String>>> waiting = nextAsync(0, NO_WINDOW);
        await().until(() -> lanes.idleLanes() == 1);
        assertThat(next(1, NO_WINDOW)).isNull();
        assertThat(lanes.lanes()).isEqualTo(3);
        lanes.laneEnded(started.get(2), false);
        lanes.laneEnded(started.get(3), false);
        assertThat(lanes.lanes()).isEqualTo(1);
        assertThat(waiting).isNotDone();
        lanes.close();
        assertThat(waiting.get(30, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void aLaneStartedForWaitingKeysTakesThemWithoutWaitingForItsFirstBatchingWindow() throws Exception {
        KeyLanes<String> lanes = new KeyLanes<>(10, CLOCK, 0, 1, 4, started::add);
        lanes.startLanes();
        Entry<String> a1 = entry("a");
        Entry<String> b1 = entry("b");
        lanes.offerAll(List.of(a1, b1));
        assertThat(started).hasSize(2);

        // As if it had been idle all along: its window has elapsed, so it takes its share (one key of two) at once.
        assertThat(next(1, LONG_WINDOW)).containsExactly(a1);
        // The first lane's window started with the pipeline: b waits for it (or for BatchSize).
        CompletableFuture<List<Entry<String>>> first = nextAsync(0, LONG_WINDOW);
        await().until(() -> lanes.idleLanes() == 1);
        assertThat(first).isNotDone();
        lanes.close();
        assertThat(first.get(30, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void afterALaneFailedNoLaneStarts() {
        KeyLanes<String> lanes = new KeyLanes<>(10, CLOCK, 0, 1, 4, started::add);
        lanes.startLanes();
        lanes.laneEnded(started.getFirst(), true);
        lanes.offerAll(entries("a", 1));
        assertThat(lanes.lanes()).isZero();
        assertThat(started).hasSize(1);
    }

    /** Lanes as without MaximumConcurrency: {@code count} from the start, none more. */
    private KeyLanes<String> fixedLanes(int batchSize, int count) {
        KeyLanes<String> lanes = new KeyLanes<>(batchSize, CLOCK, 0, count, count, started::add);
        lanes.startLanes();
        return lanes;
    }

    private List<Entry<String>> next(int lane, Duration window) throws InterruptedException {
        return started.get(lane).nextBatch(NOW, window, () -> false, null);
    }

    private CompletableFuture<List<Entry<String>>> nextAsync(int lane, Duration window) {
        CompletableFuture<List<Entry<String>>> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(next(lane, window));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private List<Entry<String>> entries(String key, int count) {
        List<Entry<String>> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(entry(key));
        }
        return entries;
    }

    private Entry<String> entry(String key) {
        return entry(key, 10);
    }

    private Entry<String> entry(String key, int sizeBytes) {
        long ordinal = ordinals.getAndIncrement();
        return new Entry<>(ordinal, new StreamRecord<>("shard-0", Long.toString(ordinal), key, NOW, sizeBytes,
                "record-" + ordinal));
    }
}

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
 * keyless records as one key, Lambda's batching triggers, and free keys shared among idle lanes.
 */
class KeyLanesTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Duration NO_WINDOW = Duration.ZERO;
    private static final Duration LONG_WINDOW = Duration.ofHours(1);

    private final AtomicLong ordinals = new AtomicLong();

    @Test
    void aBusyKeyWaitsWhileOtherKeysGoToTheNextLaneAndItsRecordsComeInOrder() throws Exception {
        KeyLanes<String> lanes = new KeyLanes<>(2, CLOCK, 0);
        List<Entry<String>> a = new ArrayList<>();
        a.add(entry("a"));
        Entry<String> b1 = entry("b");
        a.add(entry("a"));
        Entry<String> c1 = entry("c");
        a.add(entry("a"));
        lanes.offerAll(List.of(a.get(0), b1, a.get(1), c1, a.get(2)));

        List<Entry<String>> first = next(lanes, NO_WINDOW);
        assertThat(first).containsExactly(a.get(0), b1);
        // a and b are in flight: a second lane gets c alone, not a's next record.
        assertThat(next(lanes, NO_WINDOW)).containsExactly(c1);

        lanes.done(List.of(b1));
        CompletableFuture<List<Entry<String>>> third = nextAsync(lanes, NO_WINDOW);
        await().until(() -> lanes.idleLanes() == 1);
        assertThat(third).isNotDone();
        lanes.done(List.of(a.getFirst()));
        assertThat(third.get(30, TimeUnit.SECONDS)).containsExactly(a.get(1), a.get(2));
    }

    @Test
    void keylessRecordsAreOneKeyInReadOrder() throws Exception {
        KeyLanes<String> lanes = new KeyLanes<>(1, CLOCK, 0);
        Entry<String> n1 = entry(null);
        Entry<String> n2 = entry(null);
        Entry<String> x1 = entry("x");
        lanes.offerAll(List.of(n1, n2, x1));

        assertThat(next(lanes, NO_WINDOW)).containsExactly(n1);
        assertThat(next(lanes, NO_WINDOW)).containsExactly(x1);
        lanes.done(List.of(n1));
        assertThat(next(lanes, NO_WINDOW)).containsExactly(n2);
    }

    @Test
    void aBatchMergesTheFreeKeysInReadOrderUpToBatchSize() throws Exception {
        KeyLanes<String> lanes = new KeyLanes<>(5, CLOCK, 0);
        List<Entry<String>> read = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            read.add(entry("a"));
            read.add(entry("b"));
        }
        lanes.offerAll(read);

        assertThat(next(lanes, LONG_WINDOW)).containsExactlyElementsOf(read.subList(0, 5));
    }

    @Test
    void withinTheBatchingWindowOnlyRecordsOfFreeKeysCountTowardsBatchSize() throws Exception {
        KeyLanes<String> lanes = new KeyLanes<>(2, CLOCK, 0);
        Entry<String> a1 = entry("a");
        Entry<String> b1 = entry("b");
        lanes.offerAll(List.of(a1, b1));
        assertThat(next(lanes, LONG_WINDOW)).containsExactly(a1, b1);

        Entry<String> a2 = entry("a");
        Entry<String> c1 = entry("c");
        lanes.offerAll(List.of(a2, c1));
        CompletableFuture<List<Entry<String>>> batch = nextAsync(lanes, LONG_WINDOW);
        await().until(() -> lanes.idleLanes() == 1);
        assertThat(batch).isNotDone();
        lanes.done(List.of(a1, b1));
        assertThat(batch.get(30, TimeUnit.SECONDS)).containsExactly(a2, c1);
    }

    @Test
    void theSixMegabyteCapEndsABatchAndFillsOneWithoutWaitingForTheWindow() throws Exception {
        KeyLanes<String> lanes = new KeyLanes<>(10, CLOCK, 0);
        int fourMegabytes = 4 * 1024 * 1024;
        Entry<String> a1 = entry("a", fourMegabytes);
        Entry<String> b1 = entry("b", fourMegabytes);
        lanes.offerAll(List.of(a1, b1));

        // 8 MB of free keys wait: a batch forms at once, with what fits under 6 MB.
        assertThat(next(lanes, LONG_WINDOW)).containsExactly(a1);
        lanes.done(List.of(a1));
        assertThat(next(lanes, NO_WINDOW)).containsExactly(b1);
    }

    @Test
    void idleLanesShareTheFreeKeys() throws Exception {
        KeyLanes<String> lanes = new KeyLanes<>(100, CLOCK, 0);
        List<CompletableFuture<List<Entry<String>>>> batches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batches.add(nextAsync(lanes, NO_WINDOW));
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
        KeyLanes<String> lanes = new KeyLanes<>(10, CLOCK, 0);
        CompletableFuture<List<Entry<String>>> batch = nextAsync(lanes, NO_WINDOW);
        await().until(() -> lanes.idleLanes() == 1);
        lanes.close();
        assertThat(batch.get(30, TimeUnit.SECONDS)).isNull();
    }

    private static List<Entry<String>> next(KeyLanes<String> lanes, Duration window) throws InterruptedException {
        return lanes.nextBatch(NOW, window, null);
    }

    private static CompletableFuture<List<Entry<String>>> nextAsync(KeyLanes<String> lanes, Duration window) {
        CompletableFuture<List<Entry<String>>> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(next(lanes, window));
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

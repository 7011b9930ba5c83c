package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The handler every worker of a test shares: it records each handled record in order of handling. Records are put
 * with data "r0", "r1", ... and partition keys "k0".."k15" by {@link #put}, so that the checks know what to expect.
 */
final class Recorder implements BatchHandler<StreamRecord<byte[]>> {

    static final int KEYS = 16;

    private final List<StreamRecord<byte[]>> handled = new ArrayList<>();
    private int put;

    @Override
    public synchronized BatchResult handle(Batch<StreamRecord<byte[]>> batch) {
        handled.addAll(batch.records());
        return BatchResult.success();
    }

    /** Puts {@code count} more records, spread over the keys. */
    synchronized void put(InMemoryStream stream, int count) {
        for (int i = 0; i < count; i++, put++) {
            stream.put("k" + put % KEYS, "r" + put);
        }
    }

    synchronized boolean allHandled() {
        return handled.stream().map(Recorder::text).distinct().count() == put;
    }

    /** Handlings of records that had been handled before. */
    synchronized long duplicates() {
        return handled.size() - handled.stream().map(Recorder::text).distinct().count();
    }

    synchronized int handledCount() {
        return handled.size();
    }

    synchronized int putCount() {
        return put;
    }

    /**
     * Per key, each record reached the handler only after every earlier record of the key did; a record may come
     * again (a replay after a lease moved), but never before its predecessors; and every record came.
     */
    synchronized void assertEveryRecordInPerKeyOrderWithReplaysOnly() {
        assertEveryRecordInPerKeyOrderWithReplaysOnly(handled.stream()
                .map(r -> new Handled(r.partitionKey(), Integer.parseInt(text(r).substring(1)))).toList(), put);
    }

    /** A record as handled: data "r{@code n}" with key "k{@code n % KEYS}". */
    record Handled(String key, int n) {}

    /** The same check on records "r0".."r{@code put - 1}" handled in this order, by any source. */
    static void assertEveryRecordInPerKeyOrderWithReplaysOnly(List<Handled> handled, int put) {
        Map<String, Integer> next = new HashMap<>();
        Map<String, List<Integer>> expected = new HashMap<>();
        for (int i = 0; i < put; i++) {
            expected.computeIfAbsent("k" + i % KEYS, k -> new ArrayList<>()).add(i);
        }
        for (Handled record : handled) {
            String key = record.key();
            int n = record.n();
            int reached = next.getOrDefault(key, 0);
            List<Integer> order = expected.get(key);
            if (reached < order.size() && order.get(reached) == n) {
                next.put(key, reached + 1);
            } else {
                assertThat(order.subList(0, reached)).as("record r%d of %s came before its predecessors", n, key)
                        .contains(n);
            }
        }
        assertThat(next.values().stream().mapToInt(Integer::intValue).sum()).as("records handled in order")
                .isEqualTo(put);
    }

    static String text(StreamRecord<byte[]> record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }
}

package io.esm4j.testing;

import io.esm4j.stream.FetchResult;
import io.esm4j.stream.StreamRecord;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * One shard of an {@link InMemoryStream}: its hash range, parents and records, and the waiting read of its readers.
 * The stream changes its shards under the stream's lock; records are appended and read under the shard's own lock
 * as well, so that a reader waits for records without holding the stream's lock, and idle readers waking together
 * do not queue for one lock.
 */
final class MemoryShard {

    final String id;
    final BigInteger start;
    final BigInteger end;
    final List<String> parents;
    private final List<StreamRecord<byte[]>> records = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** A put wakes only the readers of the shard it wrote to, not those of every shard. */
    private final Condition appended = lock.newCondition();
    /** Written under both locks, so the stream's lock alone is enough to read it. */
    volatile boolean closed;

    MemoryShard(String id, BigInteger start, BigInteger end, List<String> parents) {
        this.id = id;
        this.start = start;
        this.end = end;
        this.parents = List.copyOf(parents);
    }

    boolean owns(BigInteger hash) {
        return hash.compareTo(start) >= 0 && hash.compareTo(end) <= 0;
    }

    /** Under the stream's lock. */
    void append(StreamRecord<byte[]> record) {
        lock.lock();
        try {
            records.add(record);
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Under the stream's lock: no record is added any more, and waiting readers return. */
    void close() {
        lock.lock();
        try {
            closed = true;
            appended.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Under the stream's lock. */
    int size() {
        return records.size();
    }

    /** Under the stream's lock. */
    List<StreamRecord<byte[]>> records() {
        return List.copyOf(records);
    }

    /** Under the stream's lock: the index of the first record that passes the test, or the shard's size. */
    int firstIndex(Predicate<StreamRecord<byte[]>> test) {
        for (int i = 0; i < records.size(); i++) {
            if (test.test(records.get(i))) {
                return i;
            }
        }
        return records.size();
    }

    /**
     * At most {@code max} records from index {@code from}; at the tail of an open shard, waits up to
     * {@code waitNanos} for one. An append, the shard's close or an interrupt end the wait at once.
     */
    FetchResult<byte[]> read(int from, int max, long waitNanos, Clock clock) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long wait = waitNanos;
            while (from >= records.size() && !closed && wait > 0) {
                wait = appended.awaitNanos(wait);
            }
            int to = Math.min(records.size(), from + max);
            List<StreamRecord<byte[]>> read = List.copyOf(records.subList(from, to));
            long behind = to < records.size()
                    ? Math.max(0, Duration.between(records.get(to).approximateArrivalTimestamp(),
                            clock.instant()).toMillis())
                    : 0;
            return new FetchResult<>(read, behind, closed && to == records.size());
        } finally {
            lock.unlock();
        }
    }
}

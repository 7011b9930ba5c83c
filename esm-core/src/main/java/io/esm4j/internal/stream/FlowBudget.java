package io.esm4j.internal.stream;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bound on records and bytes a shard holds between reading and completion. The reader waits for room before
 * each fetch; room comes back only when records are done (not when they are dequeued), so a slow handler pauses
 * the reader. Record room comes back only as the checkpoint passes records (they hold a tracker slot until then),
 * byte room as soon as each is done. The byte bound can be overshot by at most one fetch, because sizes are known
 * only after it.
 */
final class FlowBudget {

    private final int maxRecords;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomFreed = lock.newCondition();
    private int records;
    private long bytes;

    FlowBudget(int maxRecords, long maxBytes) {
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
    }

    /** Blocks until there is room; returns how many more records may be read. */
    int awaitRoom() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (records >= maxRecords || bytes >= maxBytes) {
                roomFreed.await();
            }
            return maxRecords - records;
        } finally {
            lock.unlock();
        }
    }

    /** The room {@link #awaitRoom()} would return, without waiting: 0 while either bound is reached. */
    int room() {
        lock.lock();
        try {
            return records >= maxRecords || bytes >= maxBytes ? 0 : maxRecords - records;
        } finally {
            lock.unlock();
        }
    }

    void take(int recordCount, long byteCount) {
        lock.lock();
        try {
            records += recordCount;
            bytes += byteCount;
        } finally {
            lock.unlock();
        }
    }

    void release(int recordCount, long byteCount) {
        lock.lock();
        try {
            records -= recordCount;
            bytes -= byteCount;
            roomFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    int records() {
        lock.lock();
        try {
            return records;
        } finally {
            lock.unlock();
        }
    }
}

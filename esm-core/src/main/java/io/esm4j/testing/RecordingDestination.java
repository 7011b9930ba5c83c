package io.esm4j.testing;

import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An on-failure destination for tests: it accepts every failure record and keeps it, so that a test can assert which
 * records were given up, why ({@code requestContext().condition()}) and after how many invocations. Thread-safe: the
 * engine sends from several shards at once.
 */
public final class RecordingDestination implements FailureDestination {

    private final ReentrantLock lock = new ReentrantLock();
    private final List<FailureRecord> received = new ArrayList<>();

    @Override
    public void send(FailureRecord record) {
        lock.lock();
        try {
            received.add(record);
        } finally {
            lock.unlock();
        }
    }

    /** The failure records received so far, in the order they came. */
    public List<FailureRecord> received() {
        lock.lock();
        try {
            return List.copyOf(received);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The given-up records of every failure record received so far, in the order they came: a stream mapping's
     * {@code StreamRecord}s, a queue mapping's {@code QueueMessage}s.
     */
    public List<Object> records() {
        List<Object> records = new ArrayList<>();
        received().forEach(failure -> records.addAll(failure.records()));
        return records;
    }
}

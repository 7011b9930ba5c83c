package io.esm4j.stream;

import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** An on-failure destination for tests that keeps what it receives and can refuse the first deliveries. */
final class CollectingDestination implements FailureDestination {

    private final List<FailureRecord> received = new ArrayList<>();
    private final AtomicInteger refusalsLeft = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    CollectingDestination refuseFirst(int times) {
        refusalsLeft.set(times);
        return this;
    }

    @Override
    public void send(FailureRecord record) {
        if (refusalsLeft.getAndDecrement() > 0) {
            refused.incrementAndGet();
            throw new IllegalStateException("destination unavailable");
        }
        synchronized (this) {
            received.add(record);
        }
    }

    synchronized List<FailureRecord> received() {
        return List.copyOf(received);
    }

    int refused() {
        return refused.get();
    }
}

package io.esm4j.bench;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link InMemoryLeaseStore} whose checkpoint writes take {@code checkpointDelay} (a sleep before the write, as a
 * remote store's round trip would), while list, create, take, renew, release and delete stay fast. It counts the
 * checkpoint writes and the most that were in progress at once.
 */
final class SlowLeaseStore implements LeaseStore {

    private final InMemoryLeaseStore delegate = new InMemoryLeaseStore();
    private final long delayNanos;
    private final AtomicLong checkpointWrites = new AtomicLong();
    private final AtomicInteger inProgress = new AtomicInteger();
    private final AtomicInteger mostInProgress = new AtomicInteger();

    SlowLeaseStore(Duration checkpointDelay) {
        this.delayNanos = checkpointDelay.toNanos();
    }

    long checkpointWrites() {
        return checkpointWrites.get();
    }

    int mostInProgress() {
        return mostInProgress.get();
    }

    InMemoryLeaseStore delegate() {
        return delegate;
    }

    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws InterruptedException {
        int now = inProgress.incrementAndGet();
        mostInProgress.accumulateAndGet(now, Math::max);
        try {
            if (delayNanos > 0) {
                Thread.sleep(Duration.ofNanos(delayNanos));
            }
            return delegate.checkpoint(held, checkpoint);
        } finally {
            inProgress.decrementAndGet();
            checkpointWrites.incrementAndGet();
        }
    }

    @Override
    public List<Lease> list(String mapping) {
        return delegate.list(mapping);
    }

    @Override
    public boolean create(Lease lease) {
        return delegate.create(lease);
    }

    @Override
    public LeaseWrite take(Lease seen, String worker) {
        return delegate.take(seen, worker);
    }

    @Override
    public LeaseWrite renew(Lease held) {
        return delegate.renew(held);
    }

    @Override
    public LeaseWrite release(Lease held) {
        return delegate.release(held);
    }

    @Override
    public boolean delete(Lease seen) {
        return delegate.delete(seen);
    }
}

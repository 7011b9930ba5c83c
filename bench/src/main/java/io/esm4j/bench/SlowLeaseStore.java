package io.esm4j.bench;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.testing.ForwardingLeaseStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link InMemoryLeaseStore} whose checkpoint writes take {@code checkpointDelay} (a sleep before the write, as a
 * remote store's round trip would), while list, create, take, renew, release and delete stay fast. It counts the
 * checkpoint writes and the most that were in progress at once.
 */
final class SlowLeaseStore extends ForwardingLeaseStore {

    private final InMemoryLeaseStore delegate;
    private final long delayNanos;
    private final AtomicLong checkpointWrites = new AtomicLong();
    private final AtomicInteger inProgress = new AtomicInteger();
    private final AtomicInteger mostInProgress = new AtomicInteger();

    SlowLeaseStore(Duration checkpointDelay) {
        this(checkpointDelay, new InMemoryLeaseStore());
    }

    private SlowLeaseStore(Duration checkpointDelay, InMemoryLeaseStore delegate) {
        super(delegate);
        this.delegate = delegate;
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
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception {
        int now = inProgress.incrementAndGet();
        mostInProgress.accumulateAndGet(now, Math::max);
        try {
            if (delayNanos > 0) {
                Thread.sleep(Duration.ofNanos(delayNanos));
            }
            return super.checkpoint(held, checkpoint);
        } finally {
            inProgress.decrementAndGet();
            checkpointWrites.incrementAndGet();
        }
    }
}

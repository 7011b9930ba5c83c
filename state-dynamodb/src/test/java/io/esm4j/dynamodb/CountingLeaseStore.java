package io.esm4j.dynamodb;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.testing.ForwardingLeaseStore;
import java.util.concurrent.atomic.AtomicInteger;

/** One worker's lease store, counting the leases it took and the checkpoint writes the store refused. */
final class CountingLeaseStore extends ForwardingLeaseStore {

    private final AtomicInteger takes = new AtomicInteger();
    private final AtomicInteger refusedCheckpoints = new AtomicInteger();

    CountingLeaseStore(LeaseStore store) {
        super(store);
    }

    int takes() {
        return takes.get();
    }

    int refusedCheckpoints() {
        return refusedCheckpoints.get();
    }

    @Override
    public LeaseWrite take(Lease seen, String worker) throws Exception {
        LeaseWrite result = super.take(seen, worker);
        if (result instanceof LeaseWrite.Written) {
            takes.incrementAndGet();
        }
        return result;
    }

    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception {
        LeaseWrite result = super.checkpoint(held, checkpoint);
        if (result instanceof LeaseWrite.Lost) {
            refusedCheckpoints.incrementAndGet();
        }
        return result;
    }
}

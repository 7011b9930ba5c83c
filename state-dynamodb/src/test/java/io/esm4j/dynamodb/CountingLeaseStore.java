package io.esm4j.dynamodb;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** One worker's lease store, counting the leases it took and the checkpoint writes the store refused. */
final class CountingLeaseStore implements LeaseStore {

    private final LeaseStore store;
    private final AtomicInteger takes = new AtomicInteger();
    private final AtomicInteger refusedCheckpoints = new AtomicInteger();

    CountingLeaseStore(LeaseStore store) {
        this.store = store;
    }

    int takes() {
        return takes.get();
    }

    int refusedCheckpoints() {
        return refusedCheckpoints.get();
    }

    @Override
    public List<Lease> list(String mapping) throws Exception {
        return store.list(mapping);
    }

    @Override
    public boolean create(Lease lease) throws Exception {
        return store.create(lease);
    }

    @Override
    public LeaseWrite take(Lease seen, String worker) throws Exception {
        LeaseWrite result = store.take(seen, worker);
        if (result instanceof LeaseWrite.Written) {
            takes.incrementAndGet();
        }
        return result;
    }

    @Override
    public LeaseWrite renew(Lease held) throws Exception {
        return store.renew(held);
    }

    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception {
        LeaseWrite result = store.checkpoint(held, checkpoint);
        if (result instanceof LeaseWrite.Lost) {
            refusedCheckpoints.incrementAndGet();
        }
        return result;
    }

    @Override
    public LeaseWrite release(Lease held) throws Exception {
        return store.release(held);
    }

    @Override
    public boolean delete(Lease seen) throws Exception {
        return store.delete(seen);
    }
}

package io.esm4j.testing;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import java.util.List;

/**
 * A lease store that passes every call to another one, for tests and benchmarks that watch or disturb some calls:
 * extend it and override only those (count takes, slow down checkpoints, make a renewal hang, fail calls as a
 * network partition would), calling {@code super} to reach the store underneath.
 */
public class ForwardingLeaseStore implements LeaseStore {

    private final LeaseStore delegate;

    public ForwardingLeaseStore(LeaseStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public List<Lease> list(String mapping) throws Exception {
        return delegate.list(mapping);
    }

    @Override
    public boolean create(Lease lease) throws Exception {
        return delegate.create(lease);
    }

    @Override
    public LeaseWrite take(Lease seen, String worker) throws Exception {
        return delegate.take(seen, worker);
    }

    @Override
    public LeaseWrite renew(Lease held) throws Exception {
        return delegate.renew(held);
    }

    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception {
        return delegate.checkpoint(held, checkpoint);
    }

    @Override
    public LeaseWrite release(Lease held) throws Exception {
        return delegate.release(held);
    }

    @Override
    public LeaseWrite requestHandoff(Lease seen, String worker) throws Exception {
        return delegate.requestHandoff(seen, worker);
    }

    @Override
    public boolean delete(Lease seen) throws Exception {
        return delegate.delete(seen);
    }
}

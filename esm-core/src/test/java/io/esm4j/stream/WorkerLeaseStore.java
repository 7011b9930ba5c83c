package io.esm4j.stream;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * One worker's view of a lease store that several workers share: it can be cut off (every call fails, as in a
 * network partition), paused (every call blocks until resumed, as in a long GC pause) or deaf to hand-off requests
 * (the worker never sees that another one asked for its lease, as a worker of an older version) or unable to record
 * hand-off requests (a store written before they existed), its takes can be held (the worker gets no further than
 * its next take, as a worker that stalls or stops just then), its releases can fail, and it counts the checkpoint
 * writes the store refused.
 */
final class WorkerLeaseStore implements LeaseStore {

    private final InMemoryLeaseStore shared;
    private volatile boolean partitioned;
    private volatile CountDownLatch paused = new CountDownLatch(0);
    private volatile CountDownLatch takesHeld = new CountDownLatch(0);
    private volatile int refusedCheckpoints;
    private volatile boolean deafInListings;
    private volatile boolean deafInWrites;
    private volatile boolean withoutHandoffs;
    private volatile boolean failingReleases;

    WorkerLeaseStore(InMemoryLeaseStore shared) {
        this.shared = shared;
    }

    void partition() {
        partitioned = true;
    }

    /** Ends a {@link #partition()}: calls reach the store again. */
    void heal() {
        partitioned = false;
    }

    void pause() {
        paused = new CountDownLatch(1);
    }

    void resume() {
        paused.countDown();
    }

    /** From now on every take blocks (until the worker's thread is interrupted) before it reaches the store. */
    void holdTakes() {
        takesHeld = new CountDownLatch(1);
    }

    /** From now on every release fails (a store error) without reaching the store. */
    void failReleases() {
        failingReleases = true;
    }

    /** From now on the store behaves as one written before hand-off requests existed: it cannot record them. */
    void withoutHandoffRequests() {
        withoutHandoffs = true;
    }

    /** From now on the worker sees no hand-off request on any lease. */
    void ignoreHandoffs() {
        deafInListings = true;
        deafInWrites = true;
    }

    /** From now on the worker sees hand-off requests only in what its writes return (renewals, checkpoints). */
    void ignoreHandoffsInListings() {
        deafInListings = true;
    }

    private Lease heard(Lease lease, boolean deaf) {
        return deaf && lease != null ? new Lease(lease.mapping(), lease.shardId(), lease.owner(), lease.counter(),
                lease.checkpoint(), lease.parentIds(), lease.ownerSwitchesSinceCheckpoint()) : lease;
    }

    private LeaseWrite heard(LeaseWrite write) {
        return switch (write) {
            case LeaseWrite.Written written -> new LeaseWrite.Written(heard(written.lease(), deafInWrites));
            case LeaseWrite.Lost lost -> new LeaseWrite.Lost(heard(lost.current(), deafInWrites));
        };
    }

    int refusedCheckpoints() {
        return refusedCheckpoints;
    }

    private void reach() throws InterruptedException {
        paused.await();
        if (partitioned) {
            throw new IllegalStateException("network partition: the lease store cannot be reached");
        }
    }

    @Override
    public List<Lease> list(String mapping) throws Exception {
        reach();
        return shared.list(mapping).stream().map(lease -> heard(lease, deafInListings)).toList();
    }

    @Override
    public boolean create(Lease lease) throws Exception {
        reach();
        return shared.create(lease);
    }

    @Override
    public LeaseWrite take(Lease seen, String worker) throws Exception {
        takesHeld.await();
        reach();
        return shared.take(seen, worker);
    }

    @Override
    public LeaseWrite renew(Lease held) throws Exception {
        reach();
        return heard(shared.renew(held));
    }

    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception {
        reach();
        LeaseWrite result = heard(shared.checkpoint(held, checkpoint));
        if (result instanceof LeaseWrite.Lost) {
            synchronized (this) {
                refusedCheckpoints++;
            }
        }
        return result;
    }

    @Override
    public LeaseWrite release(Lease held) throws Exception {
        reach();
        if (failingReleases) {
            throw new IllegalStateException("the lease store failed the release");
        }
        return shared.release(held);
    }

    @Override
    public LeaseWrite requestHandoff(Lease seen, String worker) throws Exception {
        reach();
        return withoutHandoffs ? LeaseStore.super.requestHandoff(seen, worker) : shared.requestHandoff(seen, worker);
    }

    @Override
    public boolean delete(Lease seen) throws Exception {
        reach();
        return shared.delete(seen);
    }
}

package io.esm4j.stream;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.testing.ForwardingLeaseStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An in-memory lease store for tests that keeps every checkpoint write in order and can run a check at the moment
 * of each write (before it is stored), to catch a checkpoint written too early while it happens.
 */
final class RecordingLeaseStore extends ForwardingLeaseStore {

    record Save(String mappingId, String shardId, Checkpoint checkpoint) {}

    @FunctionalInterface
    interface SaveListener {
        void saving(String mappingId, String shardId, Checkpoint checkpoint) throws Exception;
    }

    /** Runs in each renewal before it reaches the store: it may throw, or set the thread's interrupt flag. */
    @FunctionalInterface
    interface RenewListener {
        void renewing(Lease held) throws Exception;
    }

    private final InMemoryLeaseStore delegate;
    private final List<Save> saves = new ArrayList<>();
    private volatile SaveListener listener = (m, s, c) -> {};
    private volatile RenewListener renewListener = held -> {};

    RecordingLeaseStore() {
        this(new InMemoryLeaseStore());
    }

    private RecordingLeaseStore(InMemoryLeaseStore delegate) {
        super(delegate);
        this.delegate = delegate;
    }

    RecordingLeaseStore onSave(SaveListener listener) {
        this.listener = listener;
        return this;
    }

    RecordingLeaseStore onRenew(RenewListener listener) {
        this.renewListener = listener;
        return this;
    }

    @Override
    public LeaseWrite renew(Lease held) throws Exception {
        renewListener.renewing(held);
        return super.renew(held);
    }

    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception {
        listener.saving(held.mapping(), held.shardId(), checkpoint);
        synchronized (this) {
            LeaseWrite result = super.checkpoint(held, checkpoint);
            if (result instanceof LeaseWrite.Written) {
                saves.add(new Save(held.mapping(), held.shardId(), checkpoint));
            }
            return result;
        }
    }

    synchronized List<Save> saves() {
        return List.copyOf(saves);
    }

    /** The checkpoint processing wrote for a shard (a sequence number or its end), if any. */
    Optional<Checkpoint> load(String mappingId, String shardId) {
        return Optional.ofNullable(delegate.snapshot(mappingId).get(shardId)).map(Lease::checkpoint)
                .filter(c -> !c.notStarted());
    }

    /** The stored sequence number of a shard, or null if none (or the shard is at its end). */
    String sequenceNumber(String mappingId, String shardId) {
        return load(mappingId, shardId)
                .filter(c -> c instanceof Checkpoint.AtSequenceNumber)
                .map(c -> ((Checkpoint.AtSequenceNumber) c).sequenceNumber())
                .orElse(null);
    }
}

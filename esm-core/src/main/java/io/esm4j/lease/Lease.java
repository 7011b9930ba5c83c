package io.esm4j.lease;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One shard's lease, as a {@link LeaseStore} holds it: which worker processes the shard, the fencing counter, and
 * the shard's checkpoint.
 *
 * @param mapping                      the mapping's name: leases of different mappings never mix
 * @param shardId                      the shard
 * @param owner                        the worker that holds the lease, or null when nobody does
 * @param counter                      the fencing token: every take, renewal and release increases it, and every
 *                                     write is conditional on it, so a worker that lost the lease cannot write
 * @param checkpoint                   where the next owner starts
 * @param parentIds                    the shard's parents: a lease is taken only after every parent that has a
 *                                     lease reached {@link Checkpoint.ShardEnd}
 * @param ownerSwitchesSinceCheckpoint how often the lease changed hands since its checkpoint last moved (a shard
 *                                     that keeps moving without progress shows here)
 * @param handoffTo                    the worker that asked the owner to hand the lease over (a balancing steal
 *                                     made as a request, so that the owner checkpoints and releases first), or
 *                                     null; renewals and checkpoints keep it, a take or release clears it
 * @param ownerFailoverTime            the FailoverTime of the owner, as the owner stated it with the renewal that
 *                                     made this counter, or null when unknown (not renewed since taken, written by a
 *                                     version or a store that does not record it). In a lease passed to
 *                                     {@link LeaseStore#renew} it is the value the renewal records. Workers sharing a
 *                                     store compare it with their own: they must agree on when a lease has expired
 */
public record Lease(String mapping, String shardId, @Nullable String owner, long counter, Checkpoint checkpoint,
                    List<String> parentIds, long ownerSwitchesSinceCheckpoint, @Nullable String handoffTo,
                    @Nullable Duration ownerFailoverTime) {

    public Lease {
        Objects.requireNonNull(mapping, "mapping");
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(checkpoint, "checkpoint");
        parentIds = List.copyOf(parentIds);
        if (owner != null && owner.isEmpty()) {
            // A store may not tell "" from "no owner"; the engine never names a worker "" (workerId is 1-256 chars).
            throw new IllegalArgumentException("owner must be null (no owner) or a worker id but was the empty string");
        }
        if (handoffTo != null && handoffTo.isEmpty()) {
            throw new IllegalArgumentException("handoffTo must be null (no request) or a worker id but was the empty "
                    + "string");
        }
        if (ownerFailoverTime != null && (ownerFailoverTime.isNegative() || ownerFailoverTime.isZero())) {
            throw new IllegalArgumentException("ownerFailoverTime must be null (unknown) or positive but was "
                    + ownerFailoverTime);
        }
        if (counter < 0 || ownerSwitchesSinceCheckpoint < 0) {
            throw new IllegalArgumentException("counter and ownerSwitchesSinceCheckpoint must be >= 0 but were "
                    + counter + " and " + ownerSwitchesSinceCheckpoint);
        }
    }

    /** A lease whose owner's FailoverTime is not known (stores that do not record it, older leases). */
    public Lease(String mapping, String shardId, @Nullable String owner, long counter, Checkpoint checkpoint,
                 List<String> parentIds, long ownerSwitchesSinceCheckpoint, @Nullable String handoffTo) {
        this(mapping, shardId, owner, counter, checkpoint, parentIds, ownerSwitchesSinceCheckpoint, handoffTo, null);
    }

    /** A lease without a hand-off request (stores that know none, and leases written before there were any). */
    public Lease(String mapping, String shardId, @Nullable String owner, long counter, Checkpoint checkpoint,
                 List<String> parentIds, long ownerSwitchesSinceCheckpoint) {
        this(mapping, shardId, owner, counter, checkpoint, parentIds, ownerSwitchesSinceCheckpoint, null, null);
    }

    /** A lease nobody holds yet, at a starting checkpoint. */
    public static Lease unowned(String mapping, String shardId, Checkpoint checkpoint, List<String> parentIds) {
        return new Lease(mapping, shardId, null, 0, checkpoint, parentIds, 0);
    }

    public boolean ended() {
        return checkpoint == Checkpoint.ShardEnd.INSTANCE;
    }

    /**
     * True when {@code worker} holds this very version of the lease: the condition of every owner's write. A null
     * worker (the owner of a lease nobody holds) holds nothing.
     */
    public boolean heldBy(@Nullable String worker, long expectedCounter) {
        return worker != null && worker.equals(owner) && counter == expectedCounter;
    }

    /**
     * True when another worker asked the owner for this lease and the owner has not answered yet: it is on its way
     * to {@link #handoffTo}.
     */
    public boolean handoffRequested() {
        return owner != null && handoffTo != null && !handoffTo.equals(owner);
    }

    public Lease taken(String worker) {
        return new Lease(mapping, shardId, worker, counter + 1, checkpoint, parentIds,
                Objects.equals(owner, worker) ? ownerSwitchesSinceCheckpoint : ownerSwitchesSinceCheckpoint + 1,
                null, null);
    }

    /** The next counter; the owner's FailoverTime as this lease states it (see {@link #stating}). */
    public Lease renewed() {
        return new Lease(mapping, shardId, owner, counter + 1, checkpoint, parentIds, ownerSwitchesSinceCheckpoint,
                handoffTo, ownerFailoverTime);
    }

    public Lease checkpointed(Checkpoint next) {
        return new Lease(mapping, shardId, owner, counter, next, parentIds, 0, handoffTo, ownerFailoverTime);
    }

    public Lease released() {
        return new Lease(mapping, shardId, null, counter + 1, checkpoint, parentIds, ownerSwitchesSinceCheckpoint,
                null, null);
    }

    /** {@code worker} asks the owner for the lease; owner and counter stay, so the owner's writes still match. */
    public Lease handoffRequestedBy(String worker) {
        return new Lease(mapping, shardId, owner, counter, checkpoint, parentIds, ownerSwitchesSinceCheckpoint,
                worker, ownerFailoverTime);
    }

    /**
     * This lease stating {@code failoverTime} (null: unknown) as its owner's: what the holder passes to
     * {@link LeaseStore#renew} so that the store records it with the new counter.
     */
    public Lease stating(@Nullable Duration failoverTime) {
        return new Lease(mapping, shardId, owner, counter, checkpoint, parentIds, ownerSwitchesSinceCheckpoint,
                handoffTo, failoverTime);
    }
}

package io.esm4j.lease;

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
 */
public record Lease(String mapping, String shardId, @Nullable String owner, long counter, Checkpoint checkpoint,
                    List<String> parentIds, long ownerSwitchesSinceCheckpoint) {

    public Lease {
        Objects.requireNonNull(mapping, "mapping");
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(checkpoint, "checkpoint");
        parentIds = List.copyOf(parentIds);
        if (owner != null && owner.isEmpty()) {
            // A store may not tell "" from "no owner"; the engine never names a worker "" (workerId is 1-256 chars).
            throw new IllegalArgumentException("owner must be null (no owner) or a worker id but was the empty string");
        }
        if (counter < 0 || ownerSwitchesSinceCheckpoint < 0) {
            throw new IllegalArgumentException("counter and ownerSwitchesSinceCheckpoint must be >= 0 but were "
                    + counter + " and " + ownerSwitchesSinceCheckpoint);
        }
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

    public Lease taken(String worker) {
        return new Lease(mapping, shardId, worker, counter + 1, checkpoint, parentIds,
                Objects.equals(owner, worker) ? ownerSwitchesSinceCheckpoint : ownerSwitchesSinceCheckpoint + 1);
    }

    public Lease renewed() {
        return new Lease(mapping, shardId, owner, counter + 1, checkpoint, parentIds, ownerSwitchesSinceCheckpoint);
    }

    public Lease checkpointed(Checkpoint next) {
        return new Lease(mapping, shardId, owner, counter, next, parentIds, 0);
    }

    public Lease released() {
        return new Lease(mapping, shardId, null, counter + 1, checkpoint, parentIds, ownerSwitchesSinceCheckpoint);
    }
}

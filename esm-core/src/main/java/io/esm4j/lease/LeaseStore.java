package io.esm4j.lease;

import java.util.List;

/**
 * Durable shard leases with checkpoints: the SPI through which several workers share a stream, each shard processed
 * by one worker at a time, with checkpoints that survive restarts. esm-core has {@link InMemoryLeaseStore}; the
 * {@code state-dynamodb} module keeps leases in a DynamoDB table, {@code state-redis} in Redis.
 *
 * <p>The contract, which the engine relies on:
 * <ul>
 *   <li>Every method is one atomic, conditional operation on one lease (a DynamoDB conditional write): no
 *       transactions across leases, no locks held between calls.</li>
 *   <li>{@link #take}, {@link #renew} and {@link #release} increase the lease's counter; {@link #checkpoint} and
 *       {@link #requestHandoff} do not. Each write other than {@link #create} succeeds only if the stored lease
 *       still has the owner and counter of the lease passed in, and otherwise returns {@link LeaseWrite.Lost}
 *       without writing. {@link #renew}, {@link #checkpoint} and {@link #release} are the holder's: on a lease seen
 *       without owner they return {@link LeaseWrite.Lost}; only {@link #take} makes a lease someone's.</li>
 *   <li>{@link Lease#handoffTo()} is set only by {@link #requestHandoff}, kept by {@link #renew} and
 *       {@link #checkpoint}, and cleared by {@link #take} and {@link #release}.</li>
 *   <li>Time is not the store's business: whether a lease is expired is decided by each worker from how long it
 *       has seen the counter stand still, by its own clock. No clock is compared across hosts.</li>
 *   <li>{@link Lease#ownerFailoverTime()} is written by {@link #renew} only, and known only at the counter it was
 *       written with.</li>
 *   <li>{@link #list} reads strongly consistently: a write that returned is visible to the next list.</li>
 * </ul>
 * Implementations must be safe for concurrent use.
 */
public interface LeaseStore {

    /** Every lease of a mapping. */
    List<Lease> list(String mapping) throws Exception;

    /** Stores a new lease unless its shard already has one; returns true if this call created it. */
    boolean create(Lease lease) throws Exception;

    /** Makes {@code worker} the owner of {@code seen} (unowned, expired, or stolen), if it is still as seen. */
    LeaseWrite take(Lease seen, String worker) throws Exception;

    /**
     * Shows the owner is alive: increases the counter, if the lease is still as held. A store that can records
     * {@code held.ownerFailoverTime()} (the holder's FailoverTime; null: none) with the new counter, and returns it
     * as {@link Lease#ownerFailoverTime()} only while the lease has that counter: a take, a release, or a renewal by
     * a worker or store version that does not record it makes it unknown (null), never another holder's. A store
     * that does not record it returns null; workers then cannot compare their FailoverTimes.
     */
    LeaseWrite renew(Lease held) throws Exception;

    /** Moves the lease's checkpoint, if the lease is still as held; the counter stays. */
    LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception;

    /** Gives the lease up (no owner), if it is still as held, so another worker can take it at once. */
    LeaseWrite release(Lease held) throws Exception;

    /**
     * Records on another worker's lease that {@code worker} asks for it, if the lease still has the owner and counter
     * of {@code seen}; owner and counter stay, so the owner's renewals and checkpoints keep working. The owner then
     * writes its final checkpoint and releases the lease, and the asking worker takes it: a balancing move without
     * records handled twice. A lease without an owner is free to take and cannot be asked for ({@link LeaseWrite.Lost}).
     *
     * <p>A store written before this operation existed does not override it: the engine then moves leases by a plain
     * {@link #take}, as it always did (the old owner notices at its next write or listing, and what it handled after
     * its last checkpoint is handled again).
     *
     * @throws UnsupportedOperationException if the store cannot record the request (the default)
     */
    default LeaseWrite requestHandoff(Lease seen, String worker) throws Exception {
        throw new UnsupportedOperationException(getClass().getName() + " does not record hand-off requests");
    }

    /** Removes a lease (its shard is gone from the stream), if it is still as seen; returns true if removed. */
    boolean delete(Lease seen) throws Exception;
}

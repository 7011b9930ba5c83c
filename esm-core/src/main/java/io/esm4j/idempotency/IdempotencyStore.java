package io.esm4j.idempotency;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Where idempotency keys and their state live. Each operation is one single-item write, so that a DynamoDB
 * implementation maps it to one {@code PutItem}/{@code DeleteItem} (conditional where stated) and never needs a read
 * first or a transaction.
 *
 * <p>A key is INPROGRESS (claimed by an owner until its in-progress expiry) or COMPLETED (until its TTL). An entry
 * whose expiry has passed ({@code now >= expiry}) counts as absent, whether or not it has been deleted: TTL stores
 * such as DynamoDB delete expired items late, so implementations must compare expiries themselves.
 *
 * <p>Implementations must be safe for concurrent use. They may throw unchecked exceptions on I/O errors; the engines
 * retry the batch then, without counting a retry attempt, since the handler never ran.
 */
public interface IdempotencyStore {

    /**
     * Claims {@code key} as INPROGRESS for {@code owner} until {@code inProgressExpiry}, if the key is absent or
     * expired; otherwise reports what holds it and changes nothing. A key already INPROGRESS for this same owner
     * counts as acquired: owners are unique per claim, so that is this claim's own write, applied by a request whose
     * answer was lost and then sent again (an SDK retry, a client re-sending after a reconnect). Reporting it as held
     * elsewhere would orphan the claim until its expiry, with its record unprocessed.
     *
     * <p>DynamoDB: {@code PutItem} with condition {@code attribute_not_exists(id) OR expiry <= :now} and
     * {@code ReturnValuesOnConditionCheckFailure=ALL_OLD}, so that a duplicate costs one failed write and no read.
     *
     * @param payloadHash      SHA-256 hex of the payload, or {@code null} when payload validation is off
     * @param owner            an id unique to this claim attempt; only this owner can {@link #release} the claim
     * @param inProgressExpiry when the claim lapses if it is neither completed nor released (a crashed consumer)
     */
    AcquireResult acquire(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry);

    /**
     * Moves the expiry of {@code owner}'s live INPROGRESS claim on {@code key} to {@code inProgressExpiry}; changes
     * nothing when the key is absent, COMPLETED, expired or held by another owner. The engines call it while the
     * handler still runs, so that a claim lapses when its consumer stops (a crash), not while a slow handler is still
     * processing the record, when another consumer would process it at the same time.
     *
     * <p>DynamoDB: {@code PutItem} of the same INPROGRESS item with the new expiry, on condition
     * {@code status = INPROGRESS AND owner = :owner AND expiry > :now}; a failed condition is the {@code false} result.
     *
     * <p>The default throws {@link UnsupportedOperationException}, for stores written before this method: the engines
     * then leave their claims at the expiry they were acquired with.
     *
     * @param payloadHash the hash the claim was acquired with, or {@code null} when payload validation is off
     * @return whether the claim is still this owner's, now until {@code inProgressExpiry}
     */
    default boolean extend(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry) {
        throw new UnsupportedOperationException(getClass().getName() + " does not extend claims");
    }

    /**
     * Records that {@code key} was processed: COMPLETED until {@code ttlExpiry}, whatever its state was. It is
     * unconditional on purpose: the handler's success is a fact even if the claim lapsed meanwhile and another owner
     * holds it now; that owner's later release then finds a COMPLETED entry and leaves it.
     *
     * <p>DynamoDB: an unconditional {@code PutItem}.
     *
     * @param payloadHash SHA-256 hex of the payload, or {@code null} when payload validation is off
     */
    void complete(String key, @Nullable String payloadHash, Instant ttlExpiry);

    /**
     * Deletes the INPROGRESS claim on {@code key} if {@code owner} still holds it, so that a retry can process the
     * record at once instead of waiting for the in-progress expiry. Fencing on the owner keeps a consumer whose claim
     * lapsed from deleting the claim another consumer took over.
     *
     * <p>DynamoDB: {@code DeleteItem} with condition {@code status = INPROGRESS AND owner = :owner}; a failed
     * condition is the {@code false} result, not an error.
     *
     * @return whether the claim was deleted; {@code false} when the key is absent, COMPLETED or held by another owner
     */
    boolean release(String key, String owner);
}

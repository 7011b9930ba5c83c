package io.esm4j.internal.handler;

import io.esm4j.failure.FailureRecord.ResponseContext;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Claim;
import io.esm4j.idempotency.IdempotencyStoreException;
import io.esm4j.idempotency.IdempotencyStoreFullException;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.ThreadNotStarted;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An invocation behind the idempotency store: records already COMPLETED are not handed to the handler and count as
 * done (in DeduplicatedEventCount once, when the verdict does not bring them back); records another consumer is
 * processing count as failed but not invoked, so they come back without using up retry attempts. So do the records the engine would bring back with them (its {@link RetryScope}: on a stream every
 * later record, on a FIFO queue the later messages of the group): their claims are released and the handler does not
 * get them now, which would put them before the held record. While the handler runs, its claims are extended
 * ({@link ClaimRenewal}), so that they lapse only if this consumer stops. The handler's verdict on the rest is recorded in the
 * store and mapped back onto the whole batch: what the engine retries is released, the rest COMPLETED. A store that
 * fails the claim fails the batch as not invoked, and so does a renewal whose thread cannot start (its claims
 * released). On a queue a record with no usable key, or failing payload
 * validation, fails alone (the handler does not get it) and the rest of the batch goes on.
 */
public final class Deduplicated {

    private static final Logger LOG = LoggerFactory.getLogger(Deduplicated.class);

    /** Invokes the handler with some of a batch's records and reads its verdict. */
    @FunctionalInterface
    public interface Invocation<R> {
        Verdict invoke(List<R> records) throws Exception;
    }

    private Deduplicated() {}

    /**
     * @param mappingName for the log
     * @param term       how long a claim taken now lasts if never reported (a crash)
     * @param retryScope which records the engine retries after a partial failure: their claims are released
     * @param status     the mapping's, where a failing renewal of the claims shows while the handler runs
     * @return the verdict over {@code records}, positions as in {@code records}
     * @throws Exception from the invocation, or a record's problem in the claim (no usable key, payload validation):
     *                   the batch fails
     */
    public static <R> Verdict invoke(String mappingName, BatchDeduplicator<R> deduplicator, List<R> records,
                                     Function<? super R, String> naturalId, ClaimTerm term,
                                     RetryScope<R> retryScope, MappingStatus status, Invocation<R> invocation)
            throws Exception {
        Claim<R> claim;
        long claimedAtNanos = System.nanoTime();
        try {
            // A queue fails a record's own problem (no usable key, payload validation) alone: it has no bisection to
            // isolate it, and failing the batch would take every message received with it to the DLQ. A stream fails
            // the batch, which bisection narrows down to the record.
            boolean rejectAlone = !(retryScope instanceof RetryScope.FromLowestFailure);
            claim = switch (term) {
                case ClaimTerm.Until until -> deduplicator.claim(records, naturalId, until.deadline(), rejectAlone);
                case ClaimTerm.Lasting lasting ->
                        deduplicator.claimLasting(records, naturalId, lasting.lifetime(), rejectAlone);
            };
        } catch (IdempotencyStoreException | IdempotencyStoreFullException e) {
            // The invoker logs it, at a bounded rate: a store down fails every retry of every batch.
            LOG.atDebug().addKeyValue("mapping", mappingName).addKeyValue("records", records.size())
                    .addKeyValue("error", storeError(e))
                    .log("the idempotency store failed before the handler ran; the batch is retried");
            return new Verdict.NotInvoked(Fatal.describe(e), MappingStatus.IDEMPOTENCY_STORE_FAILED);
        }
        Set<R> elsewhere = identitySet(claim.inProgressElsewhere());
        Set<R> rejected = identitySet(claim.rejected());
        Set<R> holding = identitySet(claim.inProgressElsewhere());
        holding.addAll(rejected);
        Set<R> deferred = identitySet(waitingBehind(records, holding, claim.toProcess(), retryScope));
        List<R> toProcess = claim.toProcess().stream().filter(r -> !deferred.contains(r)).toList();
        if (!deferred.isEmpty()) {
            release(mappingName, claim, deferred);
        }
        @Nullable ClaimRenewal renewal;
        if (toProcess.isEmpty()) {
            renewal = null;
        } else {
            try {
                renewal = ClaimRenewal.start(mappingName, claim, claimedAtNanos, status);
            } catch (ThreadNotStarted e) {
                // Not a failing JVM (the process is at its thread limit), and not the store. The handler must not run
                // with claims nobody extends: past their first expiry another consumer could take the keys and
                // process the same records at the same time. So the batch waits as for a store that failed to claim:
                // released, retried without using up an attempt, once threads end elsewhere.
                release(mappingName, claim, toProcess);
                return new Verdict.NotInvoked(Fatal.describe(e), MappingStatus.IDEMPOTENCY_RENEWAL_NOT_STARTED);
            }
        }
        Verdict handled;
        try (renewal) {
            handled = toProcess.isEmpty() ? new Verdict.Succeeded() : invocation.invoke(toProcess);
        } catch (Exception | Error e) {
            try {
                claim.failed(toProcess);
            } catch (RuntimeException releaseError) {
                // How the handler failed decides what happens to the batch (a fatal error stops the mapping, a
                // FunctionNotInvokedException uses up no retry attempt): the store's error must not replace it. The
                // claims left behind lapse at their in-progress expiry.
                e.addSuppressed(releaseError);
            }
            throw e;
        }
        BitSet failedPositions = switch (handled) {
            case Verdict.Succeeded s -> new BitSet();
            case Verdict.PartiallyFailed p -> p.failedPositions();
            case Verdict.Failed f -> all(toProcess.size());
            case Verdict.NotInvoked n -> all(toProcess.size());
        };
        // A record the engine hands to the handler again must not be COMPLETED, failed or not: the handler may have
        // stopped at an earlier failure without processing it, and the retry would skip it as a duplicate.
        BitSet retried = retryScope.retried(toProcess, failedPositions);
        Set<R> failed = Collections.newSetFromMap(new IdentityHashMap<>());
        List<R> released = new ArrayList<>(retried.cardinality());
        List<R> completed = new ArrayList<>(toProcess.size());
        for (int i = 0; i < toProcess.size(); i++) {
            if (failedPositions.get(i)) {
                failed.add(toProcess.get(i));
            }
            (retried.get(i) ? released : completed).add(toProcess.get(i));
        }
        // Each on its own: records the handler processed are COMPLETED even if releasing the others failed. The
        // handler's verdict stands either way: a record whose COMPLETED entry is missing is processed again if
        // redelivered, which is at-least-once, not a loss; a claim left behind lapses at its in-progress expiry.
        try {
            claim.failed(released);
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("records", released.size())
                    .addKeyValue("error", storeError(e))
                    .log("releasing the claims of retried records in the idempotency store failed");
        }
        try {
            claim.completed(completed);
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("records", completed.size())
                    .addKeyValue("error", storeError(e))
                    .log("recording completed records in the idempotency store failed");
        }
        if (handled instanceof Verdict.Failed) {
            // Every record comes back, the duplicates too: none is skipped for good yet.
            return handled;
        }
        BitSet positions = new BitSet(records.size());
        BitSet notInvoked = new BitSet(records.size());
        for (int i = 0; i < records.size(); i++) {
            if (elsewhere.contains(records.get(i)) || deferred.contains(records.get(i))) {
                positions.set(i);
                notInvoked.set(i);
            } else if (failed.contains(records.get(i)) || rejected.contains(records.get(i))) {
                positions.set(i);
            }
        }
        claim.skipped(skippedForGood(records, claim.duplicates(), retryScope.retried(records, positions)));
        // Held-back records alone keep the in-process default: the handler said nothing of them.
        ResponseContext response = handled instanceof Verdict.PartiallyFailed partial ? partial.response()
                : ResponseContext.itemFailures();
        return positions.isEmpty() ? new Verdict.Succeeded()
                : new Verdict.PartiallyFailed(positions, notInvoked, response);
    }

    /** Releases the claims of records the handler does not get now; they come back all the same. */
    private static <R> void release(String mappingName, Claim<R> claim, Collection<R> records) {
        try {
            claim.failed(records);
        } catch (RuntimeException e) {
            // A claim left behind holds its record up until its in-progress expiry.
            LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("records", records.size())
                    .addKeyValue("error", storeError(e))
                    .log("releasing the claims of records the handler does not get now failed");
        }
    }

    /**
     * The duplicates the engine treats as done: those the retry does not bring back (on a stream those after the
     * lowest failed or held record come back, and are claimed again with it). Counted once, here, so that
     * DeduplicatedEventCount does not count a duplicate again at each retry of its batch.
     */
    private static <R> List<R> skippedForGood(List<R> records, List<R> duplicates, BitSet comeBack) {
        if (duplicates.isEmpty()) {
            return List.of();
        }
        Set<R> isDuplicate = identitySet(duplicates);
        Set<R> done = Collections.newSetFromMap(new IdentityHashMap<>());
        List<R> skipped = new ArrayList<>(duplicates.size());
        for (int i = comeBack.nextClearBit(0); i < records.size(); i = comeBack.nextClearBit(i + 1)) {
            R record = records.get(i);
            if (isDuplicate.contains(record) && done.add(record)) {
                skipped.add(record);
            }
        }
        return skipped;
    }

    /**
     * The claimed records that must not run before a record in progress elsewhere (or set aside for its own problem):
     * the engine brings them back with it, as after a failure of that record (on a stream every later record, on a FIFO queue the later messages of
     * its group), so running them now would put them before it.
     */
    private static <R> List<R> waitingBehind(List<R> records, Set<R> holding, List<R> claimed,
                                             RetryScope<R> retryScope) {
        if (holding.isEmpty()) {
            return List.of();
        }
        BitSet held = new BitSet(records.size());
        for (int i = 0; i < records.size(); i++) {
            if (holding.contains(records.get(i))) {
                held.set(i);
            }
        }
        BitSet waiting = retryScope.retried(records, held);
        Set<R> mine = identitySet(claimed);
        List<R> deferred = new ArrayList<>();
        for (int i = waiting.nextSetBit(0); i >= 0; i = waiting.nextSetBit(i + 1)) {
            if (mine.contains(records.get(i))) {
                deferred.add(records.get(i));
            }
        }
        return deferred;
    }

    private static <R> Set<R> identitySet(Collection<R> records) {
        Set<R> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(records);
        return set;
    }

    private static BitSet all(int size) {
        BitSet all = new BitSet(size);
        all.set(0, size);
        return all;
    }

    /**
     * What the logs say of an idempotency store's failure: the classes of the exception and its causes, never their
     * messages, which may quote a key, and a key may be payload (a JSON pointer into the record), which logs never
     * hold. The class names (a throttled table, a missing one, a connection refused) say what went wrong.
     */
    static String storeError(Throwable failure) {
        StringBuilder classes = new StringBuilder(failure.getClass().getName());
        Throwable outer = failure;
        Throwable cause = failure.getCause();
        for (int depth = 0; cause != null && cause != outer && depth < 8; depth++) {
            classes.append(" <- ").append(cause.getClass().getName());
            outer = cause;
            cause = cause.getCause();
        }
        return classes.toString();
    }
}

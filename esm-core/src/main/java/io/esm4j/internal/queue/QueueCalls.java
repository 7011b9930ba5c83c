package io.esm4j.internal.queue;

import io.esm4j.internal.FailureRun;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes and visibility changes in chunks of 10, with per-entry failures retried when the queue says retrying can
 * help, and counted and logged when it cannot: a failed delete is never silently ignored. Any non-fatal Throwable
 * from the source is a failed call, retried like an exception, so that a source bug cannot end a poller.
 *
 * <p>So is an InterruptedException the stop did not cause (a client that takes a timeout for an interrupt): each call
 * takes the caller's rule for telling the stop's interrupt apart, {@link PollerPhase#interruptedByStop} for a poller.
 * Only the stop's ends the call at once; one the source made up escaped as the poller's failure, with the chunk not
 * retried and its messages missing from DeleteErrorCount and from the stop's deleteFailures.
 */
final class QueueCalls<T> {

    private static final Logger LOG = LoggerFactory.getLogger(QueueCalls.class);
    private static final int MAX_ENTRIES = 10;
    private static final int ATTEMPTS = 3;
    /** Deletes also run during stop, which must not wait out a long backoff. */
    private static final Duration MAX_PAUSE = Duration.ofSeconds(1);

    private final QueueContext<T> ctx;
    /** Counted here, not read back from a meter: a registry may keep nothing. */
    private final AtomicLong deleteFailures = new AtomicLong();
    /**
     * Calls that failed after their retries, per operation, for the log: an endpoint down fails the deletes of every
     * batch. The attempts before are logged at DEBUG; the poller that met the failure reports it too.
     */
    private final FailureRun deletesGivenUp = new FailureRun();
    private final FailureRun visibilityChangesGivenUp = new FailureRun();

    QueueCalls(QueueContext<T> ctx) {
        this.ctx = ctx;
    }

    /**
     * What a call left undone after its retries.
     *
     * @param failed    messages not deleted or not changed
     * @param total     messages the call was for
     * @param lastError the last error the queue gave (an exception, or an entry's code and message); null if none
     */
    record Outcome(int failed, int total, String lastError) {
        static final Outcome NOTHING = new Outcome(0, 0, null);

        boolean ok() {
            return failed == 0;
        }

        Outcome plus(Outcome other) {
            return new Outcome(failed + other.failed, total + other.total,
                    other.lastError != null ? other.lastError : lastError);
        }

        /** For a state transition reason: {@code delete failed: 2 of 10 messages not deleted: <error>}. */
        String describe(String operation, String undone) {
            return operation + " failed: " + failed + " of " + total + " messages " + undone
                    + (lastError == null ? "" : ": " + lastError);
        }
    }

    /** Messages that succeeded but that the queue would not delete, over the mapping's life. */
    long deleteFailures() {
        return deleteFailures.get();
    }

    /**
     * Deletes the messages; those the queue would not delete are reported in {@code failures}, for the poller's
     * status ({@code delete failed: 2 of 10 messages not deleted: <error>}).
     *
     * @param stoppedByInterrupt whether the engine's stop has interrupted this thread (it decides so before it
     *                           interrupts): only then does an interrupt end the call; any other is a failed call
     */
    void delete(List<QueueMessage<T>> messages, BooleanSupplier stoppedByInterrupt, List<PollerFailure> failures)
            throws InterruptedException {
        Outcome outcome = Outcome.NOTHING;
        for (int from = 0; from < messages.size(); from += MAX_ENTRIES) {
            List<QueueMessage<T>> chunk = messages.subList(from, Math.min(messages.size(), from + MAX_ENTRIES));
            Outcome chunkOutcome = withRetries("delete", chunk, ctx.source()::delete, stoppedByInterrupt);
            ctx.metrics().deleted.increment(chunk.size() - chunkOutcome.failed());
            outcome = outcome.plus(chunkOutcome);
        }
        ctx.metrics().deleteErrors.increment(outcome.failed());
        deleteFailures.addAndGet(outcome.failed());
        if (!outcome.ok()) {
            failures.add(new PollerFailure(outcome.describe("delete", "not deleted"), null));
        }
    }

    /** Makes the messages visible again at once, so another poller or consumer can take them. */
    Outcome release(List<QueueMessage<T>> messages, BooleanSupplier stoppedByInterrupt) throws InterruptedException {
        return changeVisibility(messages, Duration.ZERO, stoppedByInterrupt);
    }

    /** See {@link #delete} for {@code stoppedByInterrupt}. */
    Outcome changeVisibility(List<QueueMessage<T>> messages, Duration timeout, BooleanSupplier stoppedByInterrupt)
            throws InterruptedException {
        Outcome outcome = Outcome.NOTHING;
        for (int from = 0; from < messages.size(); from += MAX_ENTRIES) {
            List<QueueMessage<T>> chunk = messages.subList(from, Math.min(messages.size(), from + MAX_ENTRIES));
            outcome = outcome.plus(withRetries("changeVisibility", chunk,
                    entries -> ctx.source().changeVisibility(entries, timeout), stoppedByInterrupt));
        }
        return outcome;
    }

    @FunctionalInterface
    private interface BatchCall<T> {
        List<EntryFailure> call(List<QueueMessage<T>> entries) throws Exception;
    }

    private Outcome withRetries(String operation, List<QueueMessage<T>> entries, BatchCall<T> call,
                                BooleanSupplier stoppedByInterrupt) throws InterruptedException {
        List<QueueMessage<T>> pending = entries;
        int permanent = 0;
        String lastError = null;
        for (int attempt = 1; ; attempt++) {
            List<QueueMessage<T>> retryable = new ArrayList<>();
            try {
                for (EntryFailure failure : checked(call.call(pending), pending.size())) {
                    lastError = failure.code() + ": " + failure.message();
                    if (failure.senderFault()) {
                        permanent++;
                        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("operation", operation)
                                .addKeyValue("messageId", pending.get(failure.index()).messageId())
                                .addKeyValue("code", failure.code()).addKeyValue("reason", failure.message())
                                .log("queue refused an entry");
                    } else {
                        retryable.add(pending.get(failure.index()));
                    }
                }
            } catch (Throwable e) {
                if (e instanceof InterruptedException stopped && stoppedByInterrupt.getAsBoolean()) {
                    throw stopped;
                }
                Fatal.rethrowIfFatal(e);
                LOG.atDebug().addKeyValue("mapping", ctx.mappingName()).addKeyValue("operation", operation)
                        .addKeyValue("entries", pending.size()).addKeyValue("attempt", attempt).setCause(e)
                        .log("queue call failed");
                lastError = Fatal.describe(e);
                retryable = pending;
            } finally {
                // A flag the source left set (it restored an interrupt its client made up) would end the pause below,
                // and the caller's next wait, at once. The flag is read first: the stop decides before it interrupts,
                // so a flag that is the stop's is never taken for the source's, and is kept.
                if (Thread.currentThread().isInterrupted() && !stoppedByInterrupt.getAsBoolean()) {
                    Thread.interrupted();
                }
            }
            if (retryable.isEmpty() || attempt == ATTEMPTS) {
                FailureRun run = operation.equals("delete") ? deletesGivenUp : visibilityChangesGivenUp;
                if (!retryable.isEmpty()) {
                    FailureRun.log(LOG, run.failed(), null, false).addKeyValue("mapping", ctx.mappingName())
                            .addKeyValue("operation", operation).addKeyValue("entries", retryable.size())
                            .addKeyValue("reason", lastError).log("giving up on entries after retries");
                } else {
                    int ended = run.succeeded();
                    if (FailureRun.logRecovery(ended)) {
                        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("operation", operation)
                                .addKeyValue("failuresInARow", ended).log("queue calls work again");
                    }
                }
                return new Outcome(permanent + retryable.size(), entries.size(), lastError);
            }
            pending = retryable;
            Duration pause = ctx.backoff().delay(attempt);
            Thread.sleep(pause.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause);
        }
    }

    /** A source's answer names each refused entry once, by its position in the call. */
    private static List<EntryFailure> checked(List<EntryFailure> failures, int entries) {
        if (failures == null) {
            throw new IllegalStateException("the queue source answered null; expected a list of the refused entries"
                    + " (empty when all succeeded)");
        }
        BitSet seen = new BitSet(entries);
        for (EntryFailure failure : failures) {
            if (failure.index() < 0 || failure.index() >= entries || seen.get(failure.index())) {
                throw new IllegalStateException("the queue source named entry " + failure.index() + " as refused"
                        + " in a call of " + entries + " entries; expected each position from 0 to "
                        + (entries - 1) + " at most once");
            }
            seen.set(failure.index());
        }
        return failures;
    }
}

package io.esm4j.internal.handler;

import io.esm4j.idempotency.Claim;
import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.settings.Setting;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extends a claim's keys every third of its lifetime while the handler runs, so that the in-progress expiry only
 * frees the keys of a consumer that stopped (a crash), never those of a handler still processing its records, which
 * another consumer would then process at the same time. Powertools ties the expiry to the Lambda's remaining time
 * because Lambda ends the function then; a handler here has no such end, so its claims live as long as it does.
 *
 * <p>The renewals run on their own virtual thread, so a store that hangs delays no record and holds no lock; closing
 * does not wait for a renewal in flight (the store's conditions make a late one change nothing).
 *
 * <p>A renewal that fails, or finds claims lapsed, is a problem of the mapping's status (its state transition reason)
 * while this renewal runs: the handler's records may be processed by another consumer at the same time, which a log
 * line alone would hide. The next renewal that extends every claim clears it, and so does the end of the renewal
 * (the handler returned and its records are reported): each renewal shows and clears only its own problem.
 */
final class ClaimRenewal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimRenewal.class);
    private static final AtomicLong IDS = new AtomicLong();

    private final CountDownLatch closed = new CountDownLatch(1);
    private final MappingStatus status;
    private final String mappingName;
    private final String component = "idempotency claim renewal " + IDS.incrementAndGet();
    /** Guards the status against a renewal in flight reporting after close() cleared it. */
    private final ReentrantLock reporting = new ReentrantLock();
    private boolean ended;
    /** A fatal error the renewal met (it ended then): {@link #close} throws it on the handler's thread. */
    private volatile @Nullable Error fatal;

    private ClaimRenewal(String mappingName, MappingStatus status) {
        this.mappingName = mappingName;
        this.status = status;
    }

    /**
     * Starts renewing {@code claim}'s keys until {@link #close}, reporting problems to {@code status}.
     *
     * @param claimedAtNanos {@link System#nanoTime()} when the claim began: its first keys' expiry counts from then,
     *                       not from the end of a claim that took long (one store write per record of a big batch)
     * @throws ThreadNotStarted if its thread could not start: nothing renews the claims then
     */
    static ClaimRenewal start(String mappingName, Claim<?> claim, long claimedAtNanos, MappingStatus status) {
        return start(mappingName, claim, claimedAtNanos, status, Ticker.SYSTEM);
    }

    /** As above, on {@code ticker}'s time: a test's, which decides when each wait ends. */
    static ClaimRenewal start(String mappingName, Claim<?> claim, long claimedAtNanos, MappingStatus status,
                              Ticker ticker) {
        ClaimRenewal renewal = new ClaimRenewal(mappingName, status);
        long periodNanos = Math.max(1, claim.lifetime().toNanos() / 3);
        EngineThreads.start(Thread.ofVirtual().name("esm4j-" + mappingName + "-claim-renewal"),
                MappingLogName.bound(mappingName, () -> renewal.run(claim, claimedAtNanos, periodNanos, ticker)));
        return renewal;
    }

    /**
     * The time a renewal's schedule counts in, and its waits between passes: {@link System#nanoTime()} and the close
     * latch. A seam for tests, so that the schedule can be checked without timed assertions.
     */
    interface Ticker {

        Ticker SYSTEM = new Ticker() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public boolean closedWithin(CountDownLatch closed, long nanos) throws InterruptedException {
                return closed.await(nanos, TimeUnit.NANOSECONDS);
            }
        };

        long nanoTime();

        /** Waits up to {@code nanos} (not at all if not positive) for {@code closed}; whether it was closed. */
        boolean closedWithin(CountDownLatch closed, long nanos) throws InterruptedException;
    }

    /**
     * Ends the renewal. A fatal error it met is thrown here, on the handler's thread, which hands it to the engine's
     * fatal path: thrown on the renewal's own thread, it ended that thread unseen and the mapping ran on.
     */
    @Override
    public void close() {
        closed.countDown();
        reporting.lock();
        try {
            ended = true;
            status.resolved(component);
        } finally {
            reporting.unlock();
        }
        Error met = fatal;
        if (met != null) {
            throw met;
        }
    }

    private void run(Claim<?> claim, long claimedAtNanos, long periodNanos, Ticker ticker) {
        boolean warned = false;
        boolean behind = false;
        // Each pass is due a third of the lifetime after the one before it began (the claim itself first), since
        // the expiry it sets counts from its start: waiting a period after a long pass ended would leave the last
        // claims of a big batch less than the two thirds of margin they should have, or lapse them.
        long dueNanos = claimedAtNanos + periodNanos;
        try {
            while (!ticker.closedWithin(closed, dueNanos - ticker.nanoTime())) {
                long passStart = ticker.nanoTime();
                dueNanos = passStart + periodNanos;
                try {
                    int lost = claim.extend();
                    long passNanos = ticker.nanoTime() - passStart;
                    if (passNanos > periodNanos && !behind) {
                        behind = true;
                        LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("claims", claim.toProcess().size())
                                .addKeyValue("passMillis", passNanos / 1_000_000)
                                .addKeyValue("lifetime", claim.lifetime())
                                .log("extending the claims took longer than a third of their lifetime (a slow or "
                                        + "throttled store): the next pass starts at once, and claims lapse if a pass "
                                        + "takes two thirds of it; raise InProgressExpiry, or lower BatchSize");
                    }
                    if (lost == 0) {
                        report(null);
                        continue;
                    }
                    // Keys are left out: a key read from a payload is payload.
                    report("PROBLEM: " + lost + " idempotency claims lapsed while the handler ran (renewed too late: a "
                            + "paused JVM, or a store slower than a third of the lifetime " + Setting.words(claim.lifetime())
                            + "); another consumer may process those records at the same time");
                    if (!warned && closed.getCount() > 0) {
                        warned = true;
                        LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("claims", lost)
                                .addKeyValue("lifetime", claim.lifetime())
                                .log("claims lapsed while the handler ran (renewed too late: a paused JVM, or a store "
                                        + "slower than a third of the lifetime); another consumer may process those "
                                        + "records at the same time");
                    }
                } catch (UnsupportedOperationException e) {
                    LOG.atDebug().addKeyValue("mapping", mappingName).addKeyValue("reason", e.getMessage())
                            .log("the idempotency store does not extend claims; they last until their first expiry");
                    return;
                } catch (RuntimeException | Error e) {
                    if (Fatal.isFatal(e)) {
                        // A failing JVM or a broken class path: no retry heals it. The handler's thread meets it at
                        // close(), which stops the mapping; until then the claims are no longer extended, as shown.
                        fatal = (Error) e;
                        report("PROBLEM: extending idempotency claims failed (" + e.getClass().getName() + "; its "
                                + "message is not shown: it may quote a key), a fatal error: the claims are no longer "
                                + "extended, and the mapping stops once the handler returns");
                        LOG.atError().addKeyValue("mapping", mappingName)
                                .addKeyValue("error", Deduplicated.storeError(e))
                                .log("extending claims in the idempotency store met a fatal error; the mapping stops "
                                        + "once the handler returns");
                        return;
                    }
                    // Any other Error (a store's AssertionError, StackOverflowError) is the store failing: escaping,
                    // it would end this thread, and the claims would lapse under the running handler with nothing
                    // shown.
                    // The store's message is left out of the status: it may quote a key, and a key may be payload.
                    report("PROBLEM: extending idempotency claims failed (" + e.getClass().getName() + "; its message "
                            + "is not shown: it may quote a key); retried every third of their lifetime "
                            + Setting.words(claim.lifetime()) + " while the handler runs, and another consumer may process its "
                            + "records once they lapse");
                    if (!warned) {
                        warned = true;
                        LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("lifetime", claim.lifetime())
                                .addKeyValue("error", Deduplicated.storeError(e))
                                .log("extending claims in the idempotency store failed; retried every third of "
                                        + "their lifetime while the handler runs");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Shows {@code problem} in the status, or clears this renewal's problem if null; nothing once closed. */
    private void report(@Nullable String problem) {
        reporting.lock();
        try {
            if (ended) {
                return;
            }
            if (problem == null) {
                status.resolved(component);
            } else {
                status.problem(component, problem);
            }
        } finally {
            reporting.unlock();
        }
    }
}

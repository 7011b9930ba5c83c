package io.esm4j.internal.handler;

import io.esm4j.idempotency.Claim;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 */
final class ClaimRenewal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimRenewal.class);

    private final CountDownLatch closed = new CountDownLatch(1);

    private ClaimRenewal() {}

    /** Starts renewing {@code claim}'s keys until {@link #close}. */
    static ClaimRenewal start(Claim<?> claim) {
        ClaimRenewal renewal = new ClaimRenewal();
        long periodNanos = Math.max(1, claim.lifetime().toNanos() / 3);
        Thread.ofVirtual().name("esm4j-claim-renewal").start(() -> renewal.run(claim, periodNanos));
        return renewal;
    }

    @Override
    public void close() {
        closed.countDown();
    }

    private void run(Claim<?> claim, long periodNanos) {
        boolean warned = false;
        try {
            while (!closed.await(periodNanos, TimeUnit.NANOSECONDS)) {
                try {
                    int lost = claim.extend();
                    if (lost > 0 && !warned && closed.getCount() > 0) {
                        warned = true;
                        // Keys are left out: a key read from a payload is payload.
                        LOG.atWarn().addKeyValue("claims", lost).addKeyValue("lifetime", claim.lifetime())
                                .log("claims lapsed while the handler ran (renewed too late: a paused JVM, or a store "
                                        + "slower than a third of the lifetime); another consumer may process those "
                                        + "records at the same time");
                    }
                } catch (UnsupportedOperationException e) {
                    LOG.atDebug().addKeyValue("reason", e.getMessage())
                            .log("the idempotency store does not extend claims; they last until their first expiry");
                    return;
                } catch (RuntimeException e) {
                    if (!warned) {
                        warned = true;
                        LOG.atWarn().addKeyValue("lifetime", claim.lifetime()).setCause(e)
                                .log("extending claims in the idempotency store failed; retried every third of "
                                        + "their lifetime while the handler runs");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

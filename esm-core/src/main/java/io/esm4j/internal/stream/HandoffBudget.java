package io.esm4j.internal.stream;

import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an owner asked for a lease spends GracefulHandoffTimeout, so that it releases the lease before the asker takes
 * it anyway. The asker's clock starts at its request; the owner notices it at its next lease listing at the latest,
 * {@code L} = {@link StreamSettings#leaseListingInterval()} later (a renewal may show it sooner), and has the rest,
 * {@code H = GracefulHandoffTimeout - L}, from then on: batches in flight drain for up to {@code H/2}; handlers still
 * running then are interrupted and get up to {@code H/4} (at most the stop's 5 s) to return; the final checkpoint is
 * written by {@code 7H/8} and the lease released, which leaves an eighth for the release call and for scheduling.
 *
 * <p>With GracefulHandoffTimeout below {@code 2L}, {@code H} is taken as half of GracefulHandoffTimeout instead: the
 * owner cannot know how late it noticed, and a request noticed late may then time out (the asker takes the lease, and
 * what the owner handled since its last checkpoint is handled again).
 *
 * @param drain          how long batches in flight may run on
 * @param interruptGrace how long interrupted handlers get to return
 * @param finishBy       when, from noticing the request, the final checkpoint must be written
 */
record HandoffBudget(Duration drain, Duration interruptGrace, Duration finishBy) {

    private static final Logger LOG = LoggerFactory.getLogger(HandoffBudget.class);

    static HandoffBudget of(StreamSettings settings) {
        Duration timeout = settings.gracefulHandoffTimeout();
        Duration left = fits(settings) ? timeout.minus(settings.leaseListingInterval()) : timeout.dividedBy(2);
        Duration quarter = left.dividedBy(4);
        return new HandoffBudget(left.dividedBy(2),
                quarter.compareTo(StreamEngine.INTERRUPT_GRACE) < 0 ? quarter : StreamEngine.INTERRUPT_GRACE,
                left.multipliedBy(7).dividedBy(8));
    }

    /** Logs, once per mapping start, that the settings leave hand-offs noticed late no time to finish. */
    static void warnIfTight(StreamContext<?> ctx) {
        if (ctx.settings().gracefulHandoffTimeout().isPositive() && !fits(ctx.settings())) {
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName())
                    .addKeyValue("gracefulHandoffTimeout", ctx.settings().gracefulHandoffTimeout())
                    .addKeyValue("leaseListingInterval", ctx.settings().leaseListingInterval())
                    .log("GracefulHandoffTimeout is less than twice min(FailoverTime / 2, ShardSyncInterval): an owner "
                            + "that notices a request late may not hand the lease over in time, and the asker then "
                            + "takes it (work in flight is handled again)");
        }
    }

    /** True if a hand-off fits GracefulHandoffTimeout however late within a listing interval the owner notices it. */
    static boolean fits(StreamSettings settings) {
        return settings.gracefulHandoffTimeout().compareTo(settings.leaseListingInterval().multipliedBy(2)) >= 0;
    }
}

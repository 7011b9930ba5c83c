package io.esm4j.kinesis;

import io.esm4j.stream.ShardThrottledException;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;

/**
 * When the next SubscribeToShard call on one shard may go out: at least {@link #SPACING} after the last (Kinesis
 * allows one a second per consumer and shard), and after a refusal (LimitExceededException, ResourceInUseException)
 * ThrottleBackoffInitial later, doubling per refusal in a row up to ThrottleBackoffMax, with ±50% jitter. Not
 * thread-safe: its reader calls it under its lock.
 */
final class SubscriptionPacer {

    static final Duration SPACING = Duration.ofSeconds(1);
    /** Refusals in a row at which one warning is logged; every such run is shown in the status. */
    static final int WARN_AFTER = ShardThrottledException.REPORT_EVERY;
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionPacer.class);

    private final IntervalFunction backoff;
    private final Clock clock;
    private final String consumerArn;
    private final String shardId;
    private Instant notBefore = Instant.MIN;
    private int refusedInARow;

    SubscriptionPacer(KinesisSourceSettings settings, Clock clock, String consumerArn, String shardId) {
        this.backoff = IntervalFunction.ofExponentialRandomBackoff(settings.throttleBackoffInitial(), 2.0, 0.5,
                settings.throttleBackoffMax());
        this.clock = clock;
        this.consumerArn = consumerArn;
        this.shardId = shardId;
    }

    /**
     * A subscription failed: a refusal ("not now") puts the next call off, and returns; any other failure is thrown,
     * and so is every {@link ShardThrottledException#REPORT_EVERY}-th refusal in a row, so that the mapping's status
     * shows it, as the polling reader's throttled calls (the reader keeps trying).
     */
    void failed(Throwable failed) throws Exception {
        Throwable refusal = refusal(failed);
        if (refusal == null) {
            passed();
            throw failed instanceof Exception e ? e : new IllegalStateException(failed);
        }
        int inARow = refused(refusal);
        if (!ShardThrottledException.due(inARow)) {
            return;
        }
        if (refusal instanceof ResourceInUseException) {
            // Not passing: most likely another mapping or application subscribes as this consumer.
            throw new IllegalStateException("SubscribeToShard on " + shardId + " was refused " + inARow + " times in "
                    + "a row with ResourceInUseException: another subscription to the shard as consumer "
                    + consumerArn + " is open. Is the consumer used by another mapping or application? Each needs "
                    + "its own.", refusal);
        }
        throw new ShardThrottledException("SubscribeToShard", inARow, refusal);
    }

    /**
     * The refusal that means "not now" among the failure and its causes (the SDK may wrap the service's answer), or
     * null.
     */
    private static @Nullable Throwable refusal(Throwable failed) {
        for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
            if (cause instanceof LimitExceededException || cause instanceof ResourceInUseException) {
                return cause;
            }
        }
        return null;
    }

    /** How long until the next call may go out; zero or negative if it may now. */
    Duration untilAllowed() {
        return Duration.between(clock.instant(), notBefore);
    }

    void subscribed() {
        notBefore = clock.instant().plus(SPACING);
    }

    /** An event arrived, or a failure that is not a refusal: the next refusal is the first in a row again. */
    void passed() {
        refusedInARow = 0;
    }

    /** Puts the next call off; returns how many refusals in a row this makes. */
    private int refused(Throwable refusal) {
        refusedInARow++;
        Duration wait = Duration.ofMillis(backoff.apply(refusedInARow));
        Instant after = clock.instant().plus(wait);
        if (after.isAfter(notBefore)) {
            notBefore = after;
        }
        // One WARN when refusals become a run; the engine logs the reports thrown every REPORT_EVERY-th refusal at
        // a bounded rate, and the status shows them: a WARN per refusal would repeat every backoff while they last.
        LOG.atLevel(refusedInARow == WARN_AFTER ? Level.WARN : Level.DEBUG).addKeyValue("consumer", consumerArn)
                .addKeyValue("shardId", shardId).addKeyValue("error", refusal.getClass().getSimpleName())
                .addKeyValue("refusedInARow", refusedInARow).addKeyValue("waitMillis", wait.toMillis())
                .log("SubscribeToShard refused for now; backing off");
        return refusedInARow;
    }
}

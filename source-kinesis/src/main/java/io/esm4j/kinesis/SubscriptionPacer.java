package io.esm4j.kinesis;

import io.esm4j.internal.MappingLogName;
import io.esm4j.stream.ShardThrottledException;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Clock;
import java.time.Duration;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.kinesis.model.InternalFailureException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;

/**
 * When the next SubscribeToShard call on one shard may go out: at least {@link #SPACING} after the last (Kinesis
 * allows one a second per consumer and shard), and after a refusal (LimitExceededException, ResourceInUseException)
 * ThrottleBackoffInitial later, doubling per refusal in a row up to ThrottleBackoffMax, with ±50% jitter; and which
 * failures go to the engine. Not thread-safe: its reader calls it under its lock.
 */
final class SubscriptionPacer {

    static final Duration SPACING = Duration.ofSeconds(1);
    /** Refusals in a row at which one warning is logged; every such run is shown in the status. */
    static final int WARN_AFTER = ShardThrottledException.REPORT_EVERY;
    /**
     * Connection failures in a row (without an event between) from which each one is thrown to the engine, which
     * counts, shows and logs it as a failed read. Before that the reader subscribes again: a subscription's
     * connection that times out or is reset now and then (every few hours on a long-lived HTTP/2 connection) is
     * expected, and the next subscription resumes where the last event left off.
     */
    static final int TRANSIENT_TOLERATED = 3;
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionPacer.class);

    private final IntervalFunction backoff;
    private final Clock clock;
    private final String consumerArn;
    private final String shardId;
    private final @Nullable String mapping;
    private Instant notBefore = Instant.MIN;
    private int refusedInARow;
    private int transientInARow;

    SubscriptionPacer(KinesisSourceSettings settings, Clock clock, String consumerArn, String shardId,
                      @Nullable String mapping) {
        this.mapping = mapping;
        this.backoff = IntervalFunction.ofExponentialRandomBackoff(settings.throttleBackoffInitial(), 2.0, 0.5,
                settings.throttleBackoffMax());
        this.clock = clock;
        this.consumerArn = consumerArn;
        this.shardId = shardId;
    }

    /**
     * A subscription failed: a refusal ("not now") puts the next call off, and returns; so does a connection failure
     * ({@link #transientFailure}) before the {@link #TRANSIENT_TOLERATED}-th in a row. Any other failure is thrown,
     * and so is every {@link ShardThrottledException#REPORT_EVERY}-th refusal in a row, so that the mapping's status
     * shows it, as the polling reader's throttled calls (the reader keeps trying).
     */
    void failed(Throwable failed) throws Exception {
        Throwable refusal = refusal(failed);
        if (refusal == null) {
            refusedInARow = 0;
            if (transientFailure(failed) && ++transientInARow < TRANSIENT_TOLERATED) {
                // The reader subscribes again, SPACING after the last call, where the last event left off.
                MappingLogName.named(LOG.atDebug(), mapping).addKeyValue("consumer", consumerArn)
                        .addKeyValue("shardId", shardId)
                        .addKeyValue("error", failed.getClass().getName())
                        .addKeyValue("failuresInARow", transientInARow)
                        .log("SubscribeToShard subscription failed on its connection; subscribing again");
                return;
            }
            throw failed instanceof Exception e ? e : new IllegalStateException(failed);
        }
        transientInARow = 0;
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

    /** An event arrived: the next refusal or transient failure is the first in a row again. */
    void passed() {
        refusedInARow = 0;
        transientInARow = 0;
    }

    /**
     * A failure of the subscription's connection, not of the request: a timeout (the SDK's, Netty's ReadTimeout), an
     * I/O error (a connection reset or closed) among the failure and its causes, or Kinesis's InternalFailure or
     * another 5xx answer. Names, not classes, for the timeouts: the HTTP client is the user's, Netty or not.
     */
    static boolean transientFailure(Throwable failed) {
        for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException || cause instanceof TimeoutException
                    || cause.getClass().getSimpleName().endsWith("TimeoutException")
                    || cause instanceof InternalFailureException
                    || cause instanceof SdkServiceException service && service.statusCode() >= 500) {
                return true;
            }
        }
        return false;
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
        MappingLogName.named(LOG.atLevel(refusedInARow == WARN_AFTER ? Level.WARN : Level.DEBUG), mapping)
                .addKeyValue("consumer", consumerArn)
                .addKeyValue("shardId", shardId).addKeyValue("error", refusal.getClass().getSimpleName())
                .addKeyValue("refusedInARow", refusedInARow).addKeyValue("waitMillis", wait.toMillis())
                .log("SubscribeToShard refused for now; backing off");
        return refusedInARow;
    }
}

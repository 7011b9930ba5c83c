package io.esm4j.sqs;

import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.function.Function;

/**
 * Immediate retry: how long a message that failed stays hidden before it is received again, instead of waiting
 * out the rest of the queue's visibility timeout. The delay grows with the message's ApproximateReceiveCount:
 * {@code initial × 2^(count − 1)}, at most {@code max}; {@link #immediately()} makes a failed message visible at
 * once. The queue's redrive policy still counts every receive, so a poison message reaches the DLQ after
 * maxReceiveCount attempts, only sooner.
 *
 * <p>The engine applies it to the messages of a failed invocation (all of them after an exception; the reported
 * ones, and on FIFO the rest of their groups, after a partial failure).
 *
 * @param initial the delay after the first failed receive; 0 s to 12 h
 * @param max     the longest delay; from {@code initial} to 12 h (SQS's visibility limit)
 */
public record SqsRetryDelay(Duration initial, Duration max) implements Function<QueueMessage<SqsMessage>, Duration> {

    private static final Duration SQS_MAX_VISIBILITY = Duration.ofHours(12);

    public SqsRetryDelay {
        if (initial == null || initial.isNegative() || initial.compareTo(SQS_MAX_VISIBILITY) > 0) {
            throw new IllegalArgumentException("initial retry delay must be from 0 s to 12 h but was " + initial);
        }
        if (max == null || max.compareTo(initial) < 0 || max.compareTo(SQS_MAX_VISIBILITY) > 0) {
            throw new IllegalArgumentException("maximum retry delay must be from the initial delay (" + initial
                    + ") to 12 h but was " + max);
        }
    }

    /** Failed messages become visible again at once. */
    public static SqsRetryDelay immediately() {
        return new SqsRetryDelay(Duration.ZERO, Duration.ZERO);
    }

    /** Exponential backoff from {@code initial}, doubling per receive, capped at {@code max}. */
    public static SqsRetryDelay exponential(Duration initial, Duration max) {
        return new SqsRetryDelay(initial, max);
    }

    /** The visibility timeout to give a message that has just failed. */
    @Override
    public Duration apply(QueueMessage<SqsMessage> failed) {
        int doublings = Math.max(0, failed.payload().approximateReceiveCount() - 1);
        long millis = initial.toMillis();
        // Stops doubling at the cap, which is at most 12 h, so it cannot overflow.
        for (int i = 0; i < doublings && millis < max.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }
}

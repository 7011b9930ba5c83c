package io.esm4j.internal.queue;

import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the messages of a running batch invisible: every half visibility timeout it sets their visibility to a full
 * timeout again, but never past the hard deadline (VisibilityExtensionLimit after the receive), so that a stuck
 * handler cannot hold messages forever.
 */
final class VisibilityHeartbeat<T> {

    private static final Logger LOG = LoggerFactory.getLogger(VisibilityHeartbeat.class);

    private final QueueContext<T> ctx;
    private final QueueCalls<T> calls;
    private final ScheduledExecutorService scheduler;
    private volatile Duration visibilityTimeout;

    VisibilityHeartbeat(QueueContext<T> ctx, QueueCalls<T> calls, ScheduledExecutorService scheduler) {
        this.ctx = ctx;
        this.calls = calls;
        this.scheduler = scheduler;
    }

    /** Starts beating for a batch; cancel the returned handle when the handler returns. Null when off. */
    ScheduledFuture<?> start(List<QueueMessage<T>> messages, Instant receivedAt) {
        Duration limit = ctx.settings().visibilityExtensionLimit();
        Duration timeout = visibilityTimeout();
        if (limit.isZero() || timeout == null || timeout.isZero()) {
            return null;
        }
        Instant deadline = receivedAt.plus(limit);
        long periodMillis = Math.max(1, timeout.toMillis() / 2);
        return scheduler.scheduleAtFixedRate(() -> beat(messages, deadline, timeout), periodMillis, periodMillis,
                TimeUnit.MILLISECONDS);
    }

    private void beat(List<QueueMessage<T>> messages, Instant deadline, Duration timeout) {
        Duration left = Duration.between(ctx.clock().instant(), deadline);
        if (!left.isPositive()) {
            return;
        }
        Duration extension = left.compareTo(timeout) < 0 ? left : timeout;
        try {
            calls.changeVisibility(messages, Duration.ofSeconds(Math.max(1, extension.toSeconds())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Duration visibilityTimeout() {
        if (visibilityTimeout == null) {
            try {
                visibilityTimeout = ctx.source().visibilityTimeout();
            } catch (Exception e) {
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).setCause(e)
                        .log("cannot read the queue's visibility timeout; no heartbeat for this batch");
            }
        }
        return visibilityTimeout;
    }
}

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

    /** The heartbeat of one batch. */
    final class Beat {
        private final List<QueueMessage<T>> messages;
        private final Instant deadline;
        private final Duration timeout;
        private ScheduledFuture<?> schedule;
        private boolean stopped;

        private Beat(List<QueueMessage<T>> messages, Instant deadline, Duration timeout) {
            this.messages = messages;
            this.deadline = deadline;
            this.timeout = timeout;
        }

        /**
         * Ends the heartbeat, waiting for a beat in progress: a late extension must not undo a visibility change
         * made after the handler returned.
         */
        synchronized void stop() {
            stopped = true;
            if (schedule != null) {
                schedule.cancel(false);
            }
        }

        private synchronized void beat() {
            if (!stopped) {
                extend(messages, deadline, timeout);
            }
        }
    }

    /** Starts beating for a batch; stop the returned handle when the handler returns. Null when off. */
    Beat start(List<QueueMessage<T>> messages, Instant receivedAt) {
        Duration limit = ctx.settings().visibilityExtensionLimit();
        Duration timeout = visibilityTimeout();
        if (limit.isZero() || timeout == null || timeout.isZero()) {
            return null;
        }
        Beat beat = new Beat(messages, receivedAt.plus(limit), timeout);
        long periodMillis = Math.max(1, timeout.toMillis() / 2);
        synchronized (beat) {
            beat.schedule = scheduler.scheduleAtFixedRate(beat::beat, periodMillis, periodMillis,
                    TimeUnit.MILLISECONDS);
        }
        return beat;
    }

    private void extend(List<QueueMessage<T>> messages, Instant deadline, Duration timeout) {
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

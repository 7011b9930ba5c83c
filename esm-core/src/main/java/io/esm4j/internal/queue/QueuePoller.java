package io.esm4j.internal.queue;

import io.esm4j.handler.Batch;
import io.esm4j.internal.handler.Verdict;
import io.esm4j.queue.QueueMessage;
import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the mapping's MaximumConcurrency pollers, as a Lambda SQS poller works: gather a batch from one or more
 * receives (BatchSize, batching window, 6 MB), drop what the filter rejects, invoke the handler while a heartbeat
 * keeps the batch invisible, then delete what succeeded. A failed message is not deleted: it comes back after its
 * visibility timeout and the queue's redrive policy decides when it goes to the DLQ.
 */
final class QueuePoller<T> implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(QueuePoller.class);
    private static final int MAX_PER_RECEIVE = 10;
    /** How long a message whose key is busy stays away before it is received again. */
    private static final Duration BUSY_KEY_DELAY = Duration.ofSeconds(1);

    private final QueueContext<T> ctx;
    private final QueueCalls<T> calls;
    private final VisibilityHeartbeat<T> heartbeat;
    /** Per-key lanes, or null when any poller may handle any message. */
    private final KeyLanes<T> lanes;
    private final CountDownLatch stopRequested;
    /** How the poller is named in the mapping's status, e.g. {@code poller 3}. */
    private final String component;
    /** Received beyond the 6 MB cap of the previous batch; they open the next one. */
    private final List<QueueMessage<T>> carryOver = new ArrayList<>();

    QueuePoller(QueueContext<T> ctx, QueueCalls<T> calls, VisibilityHeartbeat<T> heartbeat, KeyLanes<T> lanes,
                CountDownLatch stopRequested, String component) {
        this.ctx = ctx;
        this.component = component;
        this.calls = calls;
        this.heartbeat = heartbeat;
        this.lanes = lanes;
        this.stopRequested = stopRequested;
    }

    @Override
    public void run() {
        int failures = 0;
        try {
            while (!stopping()) {
                List<QueueMessage<T>> batch;
                try {
                    batch = collect();
                    if (failures > 0) {
                        ctx.status().resolved(component);
                    }
                    failures = 0;
                } catch (InterruptedException e) {
                    break;
                } catch (Exception e) {
                    ctx.metrics().pollingErrors.increment();
                    ctx.status().problem(component, "PROBLEM: receive failed: "
                            + (e.getMessage() != null ? e.getMessage() : e.getClass().getName()));
                    LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("attempt", ++failures)
                            .setCause(e).log("receive failed; retrying");
                    if (stopRequested.await(ctx.backoff().delay(failures).toNanos(), TimeUnit.NANOSECONDS)) {
                        break;
                    }
                    continue;
                }
                if (stopping()) {
                    calls.release(batch);
                    break;
                }
                if (!batch.isEmpty()) {
                    processInLanes(batch);
                }
            }
            calls.release(carryOver);
        } catch (InterruptedException e) {
            // Interrupted after the stop timeout; unfinished messages come back after their visibility timeout.
        }
    }

    private boolean stopping() {
        return stopRequested.getCount() == 0;
    }

    /**
     * Receives until the batch is full or the window has elapsed; with no window, the first receive that returns
     * messages ends the batch. A receive error ends a batch that already has messages instead of losing them.
     */
    private List<QueueMessage<T>> collect() throws Exception {
        int batchSize = ctx.settings().batchSize();
        Duration window = ctx.settings().maximumBatchingWindow();
        Instant deadline = ctx.clock().instant().plus(window);
        List<QueueMessage<T>> batch = new ArrayList<>(carryOver);
        long bytes = batch.stream().mapToLong(QueueMessage::sizeBytes).sum();
        carryOver.clear();
        while (batch.size() < batchSize && bytes < StreamSettings.MAX_PAYLOAD_BYTES && !stopping()) {
            Duration remaining = Duration.between(ctx.clock().instant(), deadline);
            if (!window.isZero() && !remaining.isPositive() && !batch.isEmpty()) {
                break;
            }
            Duration wait = window.isZero() || !remaining.isPositive()
                    ? ctx.settings().receiveWaitTime()
                    : min(ctx.settings().receiveWaitTime(), remaining);
            List<QueueMessage<T>> received;
            try {
                received = ctx.source().receive(Math.min(MAX_PER_RECEIVE, batchSize - batch.size()), wait);
            } catch (InterruptedException e) {
                if (batch.isEmpty()) {
                    throw e;
                }
                // Interrupted after the stop timeout: the caller releases what was gathered.
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                if (batch.isEmpty()) {
                    throw e;
                }
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).setCause(e)
                        .log("receive failed; invoking with the messages gathered so far");
                break;
            }
            ctx.metrics().polled.increment(received.size());
            for (QueueMessage<T> message : received) {
                if (!batch.isEmpty() && bytes + message.sizeBytes() > StreamSettings.MAX_PAYLOAD_BYTES) {
                    carryOver.add(message);
                } else {
                    batch.add(message);
                    bytes += message.sizeBytes();
                }
            }
            if (!carryOver.isEmpty() || (window.isZero() && !batch.isEmpty())) {
                break;
            }
        }
        return batch;
    }

    /** Messages of keys another poller holds go back to the queue briefly, so that a key is never handled twice. */
    private void processInLanes(List<QueueMessage<T>> batch) throws InterruptedException {
        if (lanes == null) {
            process(batch);
            return;
        }
        KeyLanes.Split<T> split = lanes.take(batch);
        try {
            calls.changeVisibility(split.busy(), BUSY_KEY_DELAY);
            if (!split.mine().isEmpty()) {
                process(split.mine());
            }
        } finally {
            lanes.release(split.keysTaken());
        }
    }

    private void process(List<QueueMessage<T>> batch) throws InterruptedException {
        Instant receivedAt = ctx.clock().instant();
        List<QueueMessage<T>> toDelete = new ArrayList<>();
        List<QueueMessage<T>> kept = new ArrayList<>(batch.size());
        for (QueueMessage<T> message : batch) {
            (ctx.filter().test(message) ? kept : toDelete).add(message);
        }
        ctx.metrics().filteredOut.increment(toDelete.size());
        List<QueueMessage<T>> failed = List.of();
        if (!kept.isEmpty()) {
            Verdict verdict = invoke(kept, receivedAt);
            List<QueueMessage<T>> succeeded = switch (verdict) {
                case Verdict.Succeeded s -> kept;
                case Verdict.Failed f -> List.of();
                case Verdict.PartiallyFailed partial -> succeeded(kept, partial);
            };
            toDelete.addAll(succeeded);
            failed = without(kept, succeeded);
        }
        calls.delete(toDelete);
        retryLater(failed);
    }

    private Verdict invoke(List<QueueMessage<T>> messages, Instant receivedAt) throws InterruptedException {
        VisibilityHeartbeat<T>.Beat beating = heartbeat.start(messages, receivedAt);
        try {
            return ctx.invoker().invoke(new Batch<>(messages, queueName(), ctx.source().queueArn(), 1),
                    receivedAt.plus(claimLifetime()));
        } finally {
            if (beating != null) {
                beating.stop();
            }
        }
    }

    /**
     * With FailedMessageVisibility, failed messages come back after the delay it gives (0: at once) instead of after
     * the rest of their visibility timeout; a null delay leaves a message as it is.
     */
    private void retryLater(List<QueueMessage<T>> failed) throws InterruptedException {
        if (ctx.failedMessageVisibility() == null || failed.isEmpty()) {
            return;
        }
        Map<Duration, List<QueueMessage<T>>> byDelay = new LinkedHashMap<>();
        for (QueueMessage<T> message : failed) {
            Duration delay = ctx.failedMessageVisibility().apply(message);
            if (delay != null) {
                byDelay.computeIfAbsent(delay, d -> new ArrayList<>()).add(message);
            }
        }
        for (Map.Entry<Duration, List<QueueMessage<T>>> group : byDelay.entrySet()) {
            calls.changeVisibility(group.getValue(), group.getKey());
        }
    }

    private static <M> List<M> without(List<M> all, List<M> removed) {
        Set<M> gone = Collections.newSetFromMap(new IdentityHashMap<>());
        gone.addAll(removed);
        return all.stream().filter(m -> !gone.contains(m)).toList();
    }

    /**
     * A claim must outlive the messages' invisibility, or a redelivered copy could run at the same time; with the
     * heartbeat that is VisibilityExtensionLimit.
     */
    private Duration claimLifetime() {
        Duration limit = ctx.settings().visibilityExtensionLimit();
        return limit.isZero() ? Duration.ofMinutes(15) : limit;
    }

    /**
     * The messages to delete after a partial failure. On a FIFO queue a group stops at its first failed message:
     * that one and every later message of the group stay, so the group keeps its order (docs/lambda-semantics.md §2.4).
     */
    private List<QueueMessage<T>> succeeded(List<QueueMessage<T>> messages, Verdict.PartiallyFailed partial) {
        boolean fifo = ctx.source().fifo();
        Set<String> stoppedGroups = new HashSet<>();
        List<QueueMessage<T>> succeeded = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            QueueMessage<T> message = messages.get(i);
            boolean failed = partial.failedPositions().get(i);
            if (fifo && (failed || stoppedGroups.contains(message.messageGroupId()))) {
                stoppedGroups.add(message.messageGroupId());
            } else if (!failed) {
                succeeded.add(message);
            }
        }
        return succeeded;
    }

    private String queueName() {
        String arn = ctx.source().queueArn();
        return arn.substring(arn.lastIndexOf(':') + 1);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}

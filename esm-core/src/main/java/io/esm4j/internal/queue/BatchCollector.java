package io.esm4j.internal.queue;

import io.esm4j.internal.IdleTicks;
import io.esm4j.internal.PayloadCap;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.queue.CollectedBatch.Kept;
import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers one poller's next batch from one or more receives (BatchSize, batching window, 6 MB). What it receives is
 * handed to the heartbeat at once, so a window longer than the visibility timeout does not let messages come back.
 * The filter decides whether a received message joins the batch, as in Lambda: one it filters out takes no room in
 * BatchSize or the 6 MB and is deleted at once; one it fails on joins the batch, where it fails as a message. The
 * filter runs here only, once per received message: its verdict goes with the message, into a carry-over too.
 */
final class BatchCollector<T> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchCollector.class);
    private static final int MAX_PER_RECEIVE = 10;
    private static final long NONE = Long.MIN_VALUE;

    /** A receive that failed before the batch had any message; the poller restarts after it. */
    static final class ReceiveFailed extends Exception {
        ReceiveFailed(Throwable cause) {
            super(Fatal.describe(cause), cause, false, false);
        }
    }

    private final QueueContext<T> ctx;
    private final QueueCalls<T> calls;
    private final VisibilityHeartbeat<T> heartbeat;
    private final EngineStop stop;
    private final PollerPhase phase;
    /** Received beyond the 6 MB cap of the previous batch; they open the next one. */
    private final List<Kept<T>> carryOver = new ArrayList<>();
    /** When this poller's last receive started, if it returned nothing; NONE after one that returned messages. */
    private long emptyReceiveStartNanos = NONE;
    /** Filtered-out messages the queue would not delete since the poller last took them: they come back later. */
    private final List<PollerFailure> failures = new ArrayList<>(0);

    BatchCollector(QueueContext<T> ctx, QueueCalls<T> calls, VisibilityHeartbeat<T> heartbeat, EngineStop stop,
                   PollerPhase phase) {
        this.ctx = ctx;
        this.calls = calls;
        this.heartbeat = heartbeat;
        this.stop = stop;
        this.phase = phase;
    }

    /** What failed while gathering (deleting filtered-out messages) since the last call; empty when nothing did. */
    List<PollerFailure> takeFailures() {
        if (failures.isEmpty()) {
            return List.of();
        }
        List<PollerFailure> taken = List.copyOf(failures);
        failures.clear();
        return taken;
    }

    /** Messages received but in no batch yet; the caller now owns them. */
    List<QueueMessage<T>> takeCarryOver() {
        return messages(takeCarriedOver());
    }

    /** The carry-over with its verdicts, to open the next batch. */
    private List<Kept<T>> takeCarriedOver() {
        List<Kept<T>> taken = List.copyOf(carryOver);
        carryOver.clear();
        return taken;
    }

    /** The carried-over messages of these FIFO groups, in receive order; the caller now owns them. */
    List<QueueMessage<T>> takeCarryOver(Set<String> groups) {
        if (groups.isEmpty() || carryOver.isEmpty()) {
            return List.of();
        }
        List<Kept<T>> taken = carryOver.stream().filter(k -> groups.contains(k.message().messageGroupId())).toList();
        carryOver.removeIf(k -> groups.contains(k.message().messageGroupId()));
        return messages(taken);
    }

    /**
     * Receives until the batch is full or the window has elapsed; with no window, the first receive ends the batch,
     * and a receive that returns nothing ends an empty one. Messages carried over from the previous batch open this
     * one; with no window they are invoked at once, without waiting for a receive. A receive error ends a batch that
     * already has messages instead of losing them.
     */
    CollectedBatch<T> collect() throws InterruptedException, ReceiveFailed {
        int batchSize = ctx.settings().batchSize();
        Duration window = ctx.settings().maximumBatchingWindow();
        Instant deadline = ctx.clock().instant().plus(window);
        List<Kept<T>> batch = new ArrayList<>();
        long bytes = admit(takeCarriedOver(), batch, ctx.source().eventEnvelopeBytes());
        while (batch.size() < batchSize && carryOver.isEmpty() && !PayloadCap.full(bytes) && !stop.isRequested()) {
            if (!batch.isEmpty() && (window.isZero() || !remaining(deadline).isPositive())) {
                break;
            }
            Duration pause = idlePause();
            if (pause.isPositive()) {
                // Inside a window the pause ends with it: the batch is then invoked.
                boolean windowFirst = !batch.isEmpty() && remaining(deadline).compareTo(pause) < 0;
                if (stop.await(windowFirst ? remaining(deadline) : pause) || windowFirst) {
                    break;
                }
            }
            Duration remaining = remaining(deadline);
            Duration wait = window.isZero() || !remaining.isPositive()
                    ? ctx.settings().receiveWaitTime()
                    : min(ctx.settings().receiveWaitTime(), remaining);
            long startNanos = System.nanoTime();
            List<QueueMessage<T>> received;
            try {
                received = receive(Math.min(MAX_PER_RECEIVE, batchSize - batch.size()), wait);
            } catch (Throwable e) {
                if (e instanceof InterruptedException stopped && phase.interruptedByStop()) {
                    if (batch.isEmpty()) {
                        throw stopped;
                    }
                    // The caller releases what was gathered.
                    Thread.currentThread().interrupt();
                    break;
                }
                if (e instanceof InterruptedException) {
                    // A receive is never interrupted by stop(): the source failed this way on its own.
                    Thread.interrupted();
                }
                Fatal.rethrowIfFatal(e);
                if (batch.isEmpty()) {
                    throw new ReceiveFailed(e);
                }
                ctx.metrics().pollingErrors.increment();
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).setCause(e)
                        .log("receive failed; invoking with the messages gathered so far");
                break;
            }
            emptyReceiveStartNanos = received.isEmpty() ? startNanos : NONE;
            heartbeat.track(received, ctx.clock().instant());
            ctx.metrics().polled.increment(received.size());
            List<Kept<T>> kept;
            try {
                kept = dropFilteredOut(received);
            } catch (InterruptedException e) {
                // The stop's: as for a receive, the caller releases what was gathered. Any other fails the round,
                // and what was gathered comes back after its visibility timeout.
                if (batch.isEmpty() || !phase.interruptedByStop()) {
                    throw e;
                }
                Thread.currentThread().interrupt();
                break;
            }
            bytes = admit(kept, batch, bytes);
            // An empty receive ends the round too, so that a poller that recovered says so while the queue is idle.
            if (batch.isEmpty() || window.isZero()) {
                break;
            }
        }
        return CollectedBatch.of(batch);
    }

    /**
     * The messages the filter keeps, or fails on, in receive order, each with its verdict; those it filters out are
     * counted and deleted now, so that they neither take room in the batch nor wait for its invocation. A failed
     * delete is reported when the round ends; the message comes back after its visibility timeout and is filtered out
     * again.
     */
    private List<Kept<T>> dropFilteredOut(List<QueueMessage<T>> received) throws InterruptedException {
        List<Kept<T>> kept = new ArrayList<>(received.size());
        List<QueueMessage<T>> filteredOut = new ArrayList<>(0);
        for (QueueMessage<T> message : received) {
            try {
                if (ctx.filter().test(message)) {
                    kept.add(new Kept<>(message, null));
                } else {
                    filteredOut.add(message);
                }
            } catch (Throwable e) {
                Fatal.rethrowIfFatal(e);
                // It joins the batch, which fails it as a message with this cause; the filter is not run again.
                kept.add(new Kept<>(message,
                        PollerFailure.onMessage("filter failed on message " + message.messageId(), e)));
            }
        }
        if (filteredOut.isEmpty()) {
            return kept;
        }
        ctx.metrics().filteredOut.increment(filteredOut.size());
        heartbeat.untrack(filteredOut);
        calls.delete(filteredOut, phase::interruptedByStop, failures);
        return kept;
    }

    /**
     * Adds messages to the batch in receive order until one does not fit (BatchSize, 6 MB); that one and every later
     * one are carried over to the next batch, so that no message overtakes one received before it (FIFO order).
     */
    private long admit(List<Kept<T>> messages, List<Kept<T>> batch, long bytes) {
        for (Kept<T> kept : messages) {
            int size = kept.message().sizeBytes();
            if (carryOver.isEmpty() && batch.size() < ctx.settings().batchSize()
                    && PayloadCap.admits(bytes, batch.size(), size)) {
                batch.add(kept);
                bytes += size;
            } else {
                carryOver.add(kept);
            }
        }
        return bytes;
    }

    private static <T> List<QueueMessage<T>> messages(List<Kept<T>> kept) {
        return kept.stream().map(Kept::message).toList();
    }

    /**
     * IdlePollInterval counts from the start of the last receive, if it returned nothing: a long poll has waited
     * already, and a short one must not be repeated in a loop. What is left is stretched to end on a tick shared with
     * other idle pollers ({@link IdleTicks}), so that they wake together.
     */
    private Duration idlePause() {
        if (emptyReceiveStartNanos == NONE) {
            return Duration.ZERO;
        }
        long interval = ctx.settings().idlePollInterval().toNanos();
        long now = System.nanoTime();
        long left = interval - (now - emptyReceiveStartNanos);
        return left <= 0 ? Duration.ZERO
                : Duration.ofNanos(IdleTicks.waitToTick(now, left, IdleTicks.tickFor(interval)));
    }

    private Duration remaining(Instant deadline) {
        return Duration.between(ctx.clock().instant(), deadline);
    }

    /** A receive that stop() does not interrupt; none starts once a stop is requested. */
    private List<QueueMessage<T>> receive(int maxMessages, Duration wait) throws Exception {
        if (!phase.enterShield()) {
            throw new InterruptedException("stop interrupted the poller");
        }
        try {
            if (stop.isRequested()) {
                return List.of();
            }
            List<QueueMessage<T>> received = ctx.source().receive(maxMessages, wait);
            if (received == null) {
                throw new IllegalStateException("the queue source's receive answered null; expected a list of"
                        + " messages, empty when none arrived");
            }
            return received;
        } finally {
            phase.leaveShield();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}

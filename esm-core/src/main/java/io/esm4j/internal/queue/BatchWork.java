package io.esm4j.internal.queue;

import io.esm4j.handler.Batch;
import io.esm4j.internal.handler.ClaimTerm;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.handler.Verdict;
import io.esm4j.queue.QueueMessage;
import io.esm4j.settings.Setting;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a poller does with a batch, as a Lambda SQS poller does: fail the messages the filter failed on (the collector
 * ran the filter, once per message, and dropped those it filtered out), invoke the handler with the rest while the
 * heartbeat keeps the batch invisible, then delete what succeeded. A failed message is not deleted: it comes back
 * after its visibility timeout (or as FailedMessageVisibility says) and the queue's redrive policy decides when it
 * goes to the DLQ.
 *
 * <p>A message on which the filter or the ordering key throws is treated like a message the handler failed; the rest
 * of the batch goes on (on a FIFO queue, except the later messages of its group). Such failures, and queue calls that
 * gave up, are returned so the poller can report them and restart; only a fatal error or an interrupt escapes, after
 * the keys taken for the batch are released.
 */
final class BatchWork<T> {

    /** How long a message whose key is busy, when no more may wait for keys, stays away before it is received again. */
    private static final Duration BUSY_KEY_DELAY = Duration.ofSeconds(1);
    private static final Duration MAX_VISIBILITY = Duration.ofHours(12);

    /**
     * What a batch left to the poller.
     *
     * @param failures      what failed outside the handler; empty when nothing did
     * @param stoppedGroups FIFO: the groups of which a message of the batch is not done (failed, or after a failure);
     *                      later messages of these groups must not be handled before it comes back
     */
    record Outcome(List<PollerFailure> failures, Set<String> stoppedGroups) {}

    private final QueueContext<T> ctx;
    private final QueueCalls<T> calls;
    private final VisibilityHeartbeat<T> heartbeat;
    /** Per-key lanes, or null when any poller may handle any message. */
    private final KeyLanes<T> lanes;
    private final EngineStop stop;
    /** The poller's: whether stop() interrupted it, which alone makes a handler's InterruptedException a stop. */
    private final PollerPhase phase;

    BatchWork(QueueContext<T> ctx, QueueCalls<T> calls, VisibilityHeartbeat<T> heartbeat, KeyLanes<T> lanes,
              EngineStop stop, PollerPhase phase) {
        this.ctx = ctx;
        this.calls = calls;
        this.heartbeat = heartbeat;
        this.lanes = lanes;
        this.stop = stop;
        this.phase = phase;
    }

    /** Handles the batch, and with per-key lanes what waits behind the keys it took. */
    Outcome process(CollectedBatch<T> collected) throws InterruptedException {
        List<PollerFailure> failures = new ArrayList<>(0);
        List<QueueMessage<T>> batch = collected.messages();
        if (lanes == null) {
            List<QueueMessage<T>> failed = new ArrayList<>();
            handle(batch, batch, collected.filterFailures(), failed, failures);
            return new Outcome(failures, stoppedGroups(failed));
        }
        // A message the filter failed on fails at once, without a key: it would only wait behind its key to fail.
        KeyLanes.Split<T> split = lanes.take(collected.passed(), heartbeat);
        heartbeat.lend(split.waiting());
        boolean keysReleased = false;
        try {
            List<QueueMessage<T>> failed = new ArrayList<>();
            for (KeyLanes.KeyFailure<T> keyFailure : split.failures()) {
                failed.add(keyFailure.message());
                failures.add(PollerFailure.onMessage(
                        "orderingKey failed on message " + keyFailure.message().messageId(), keyFailure.cause()));
            }
            for (QueueMessage<T> message : batch) {
                PollerFailure filterFailure = collected.filterFailures().get(message);
                if (filterFailure != null) {
                    failed.add(message);
                    failures.add(filterFailure);
                }
            }
            if (!split.busy().isEmpty()) {
                heartbeat.untrack(split.busy());
                QueueCalls.Outcome outcome = calls.changeVisibility(split.busy(), BUSY_KEY_DELAY,
                        phase::interruptedByStop);
                if (!outcome.ok()) {
                    failures.add(new PollerFailure(outcome.describe("changeVisibility", "not changed"), null));
                }
            }
            handle(split.mine(), without(batch, split.waiting()), Map.of(), failed, failures);
            handleWaiting(split.keysTaken(), failures);
            keysReleased = true;
        } finally {
            if (!keysReleased) {
                // Interrupted, or a fatal error: what waits behind this poller's keys comes back after its timeout.
                for (KeyLanes.Waiting<T> waiting : lanes.abandon(split.keysTaken())) {
                    waiting.tracker().forget(List.of(waiting.message()));
                }
            }
        }
        return new Outcome(failures, Set.of());
    }

    /** Messages of this poller's that still wait behind another poller's key; the caller now owns them. */
    List<QueueMessage<T>> withdrawWaiting() {
        return lanes == null ? List.of() : lanes.withdraw(heartbeat);
    }

    /**
     * Handles what other pollers received for the keys this poller holds, batch after batch, until nothing waits and
     * the keys are released. Once a stop is requested it releases what still waits instead (visibility 0).
     */
    private void handleWaiting(Set<String> keys, List<PollerFailure> failures) throws InterruptedException {
        while (!keys.isEmpty()) {
            if (stop.isRequested()) {
                List<QueueMessage<T>> left = untrackFromLenders(lanes.abandon(keys), false);
                QueueCalls.Outcome released = calls.release(left, phase::interruptedByStop);
                if (!released.ok()) {
                    failures.add(new PollerFailure(released.describe("changeVisibility", "not released"), null));
                }
                return;
            }
            List<KeyLanes.Waiting<T>> next = lanes.next(keys, ctx.settings().batchSize(),
                    ctx.source().eventEnvelopeBytes());
            if (!next.isEmpty()) {
                List<QueueMessage<T>> messages = untrackFromLenders(next, true);
                handle(messages, messages, Map.of(), new ArrayList<>(), failures);
            }
        }
    }

    /** Stops the lenders' heartbeats extending these messages; with {@code adopt}, this poller's extends them. */
    private List<QueueMessage<T>> untrackFromLenders(List<KeyLanes.Waiting<T>> waiting, boolean adopt)
            throws InterruptedException {
        Map<VisibilityHeartbeat<T>, List<QueueMessage<T>>> byLender = new IdentityHashMap<>();
        List<QueueMessage<T>> messages = new ArrayList<>(waiting.size());
        for (KeyLanes.Waiting<T> w : waiting) {
            byLender.computeIfAbsent(w.tracker(), t -> new ArrayList<>()).add(w.message());
            messages.add(w.message());
        }
        for (Map.Entry<VisibilityHeartbeat<T>, List<QueueMessage<T>>> lent : byLender.entrySet()) {
            Map<QueueMessage<T>, Instant> deadlines = lent.getKey().handOver(lent.getValue());
            if (adopt) {
                heartbeat.adopt(deadlines);
            }
        }
        return messages;
    }

    private Set<String> stoppedGroups(List<QueueMessage<T>> failed) {
        if (!ctx.source().fifo() || failed.isEmpty()) {
            return Set.of();
        }
        Set<String> groups = new HashSet<>();
        failed.forEach(message -> groups.add(message.messageGroupId()));
        return groups;
    }

    /**
     * @param messages       the messages to handle
     * @param batch          every message of the batch, which the heartbeat stops extending before anything is deleted
     * @param filterFailures the failure of each of {@code messages} the filter failed on, by identity
     * @param failed         comes in with the messages already failed (a key that could not be read); goes out with
     *                       every message not done
     */
    private void handle(List<QueueMessage<T>> messages, List<QueueMessage<T>> batch,
                        Map<QueueMessage<T>, PollerFailure> filterFailures, List<QueueMessage<T>> failed,
                        List<PollerFailure> failures) throws InterruptedException {
        Instant receivedAt = ctx.clock().instant();
        boolean fifo = ctx.source().fifo();
        // FIFO: a message the filter failed on stops its group, as a failed message does, so that it runs first.
        Set<String> stoppedGroups = new HashSet<>();
        List<QueueMessage<T>> kept = new ArrayList<>(messages.size());
        for (QueueMessage<T> message : messages) {
            if (fifo && stoppedGroups.contains(message.messageGroupId())) {
                failed.add(message);
                continue;
            }
            PollerFailure filterFailure = filterFailures.get(message);
            if (filterFailure == null) {
                kept.add(message);
                continue;
            }
            failed.add(message);
            failures.add(filterFailure);
            if (fifo) {
                stoppedGroups.add(message.messageGroupId());
            }
        }
        List<QueueMessage<T>> toDelete = new ArrayList<>();
        if (!kept.isEmpty()) {
            Verdict verdict = ctx.invoker().invoke(new Batch<>(kept, queueName(), ctx.source().queueArn(), 1),
                    new ClaimTerm.Until(receivedAt.plus(claimLifetime())), ctx.invoker()::standardVerdict, phase::interruptedByStop);
            List<QueueMessage<T>> succeeded = switch (verdict) {
                case Verdict.Succeeded s -> kept;
                case Verdict.Failed f -> List.of();
                case Verdict.NotInvoked n -> List.of();
                case Verdict.PartiallyFailed partial -> succeeded(kept, partial);
            };
            toDelete.addAll(succeeded);
            failed.addAll(without(kept, succeeded));
        }
        heartbeat.untrack(batch);
        calls.delete(toDelete, phase::interruptedByStop, failures);
        retryLater(failed, failures);
    }

    /**
     * With FailedMessageVisibility, failed messages come back after the delay it gives (0: at once) instead of after
     * the rest of their visibility timeout; a null delay, or a function that throws, leaves a message as it is.
     */
    private void retryLater(List<QueueMessage<T>> failed, List<PollerFailure> failures) throws InterruptedException {
        if (ctx.failedMessageVisibility() == null || failed.isEmpty()) {
            return;
        }
        Map<Duration, List<QueueMessage<T>>> byDelay = new LinkedHashMap<>();
        for (QueueMessage<T> message : failed) {
            Duration delay;
            try {
                delay = ctx.failedMessageVisibility().apply(message);
            } catch (Throwable e) {
                Fatal.rethrowIfFatal(e);
                failures.add(PollerFailure.onMessage(
                        "failedMessageVisibility failed on message " + message.messageId(), e));
                continue;
            }
            if (delay != null && (delay.isNegative() || delay.compareTo(MAX_VISIBILITY) > 0)) {
                failures.add(new PollerFailure("failedMessageVisibility gave " + Setting.words(delay) + " for message "
                        + message.messageId() + "; expected a duration from 0 s to 12 h, or null", null));
            } else if (delay != null) {
                byDelay.computeIfAbsent(delay, d -> new ArrayList<>()).add(message);
            }
        }
        for (Map.Entry<Duration, List<QueueMessage<T>>> group : byDelay.entrySet()) {
            QueueCalls.Outcome outcome = calls.changeVisibility(group.getValue(), group.getKey(),
                    phase::interruptedByStop);
            if (!outcome.ok()) {
                failures.add(new PollerFailure(outcome.describe("changeVisibility", "not changed"), null));
            }
        }
    }

    private static <M> List<M> without(List<M> all, List<M> removed) {
        Set<M> gone = Collections.newSetFromMap(new IdentityHashMap<>());
        gone.addAll(removed);
        return all.stream().filter(m -> !gone.contains(m)).toList();
    }

    /**
     * A claim lasts the queue's visibility timeout and is extended while the handler runs, so that a redelivered copy
     * never runs beside a live handler, while a consumer that crashed frees its keys when its messages come back.
     * A claim that outlived them (VisibilityExtensionLimit, 15 minutes by default) met every redelivery in progress
     * elsewhere: the message used up receives, and with a redrive policy went to the DLQ, without being processed.
     * Where the visibility timeout cannot be read, or is 0, VisibilityExtensionLimit, or 15 minutes without the
     * heartbeat.
     */
    private Duration claimLifetime() {
        Duration timeout = heartbeat.visibilityTimeout();
        if (timeout != null && timeout.compareTo(Duration.ofSeconds(1)) >= 0) {
            return timeout;
        }
        Duration limit = ctx.settings().visibilityExtensionLimit();
        return limit.isZero() ? Duration.ofMinutes(15) : limit;
    }

    /**
     * The messages to delete after a partial failure: those the invoker's {@link RetryScope} does not bring back. On
     * a FIFO queue a group stops at its first failed message: that one and every later message of the group stay, so
     * the group keeps its order, as Lambda does.
     */
    private List<QueueMessage<T>> succeeded(List<QueueMessage<T>> messages, Verdict.PartiallyFailed partial) {
        BitSet retried = ctx.invoker().retryScope().retried(messages, partial.failedPositions());
        List<QueueMessage<T>> succeeded = new ArrayList<>(messages.size() - retried.cardinality());
        for (int i = retried.nextClearBit(0); i < messages.size(); i = retried.nextClearBit(i + 1)) {
            succeeded.add(messages.get(i));
        }
        return succeeded;
    }

    private String queueName() {
        String arn = ctx.source().queueArn();
        return arn.substring(arn.lastIndexOf(':') + 1);
    }
}

package io.esm4j.internal.queue;

import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.FailureRun;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the mapping's MaximumConcurrency pollers, and its supervisor: it gathers a batch, has it handled, and starts
 * over. Whatever fails outside the handler (a receive, a delete, the filter or key function on a message, the engine
 * itself) fails only this poller, which says so in the mapping's status, counts a restart, waits an exponential
 * backoff and goes on; the problem clears once a round works. A fatal error stops the whole mapping.
 */
final class QueuePoller<T> implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(QueuePoller.class);

    private final QueueContext<T> ctx;
    private final QueueCalls<T> calls;
    private final EngineStop stop;
    /** How the poller is named in the mapping's status, e.g. {@code poller 3}. */
    private final String component;
    private final PollerPhase phase = new PollerPhase();
    /** The poller's restarts in a row, for the log: a queue endpoint down fails every receive for as long as it is. */
    private final FailureRun restarts = new FailureRun();
    private final VisibilityHeartbeat<T> heartbeat;
    private final BatchCollector<T> collector;
    private final BatchWork<T> work;

    QueuePoller(QueueContext<T> ctx, QueueCalls<T> calls, KeyLanes<T> lanes, EngineStop stop, String component) {
        this.ctx = ctx;
        this.calls = calls;
        this.stop = stop;
        this.component = component;
        this.heartbeat = new VisibilityHeartbeat<>(ctx, calls, stop, component + " heartbeat");
        this.collector = new BatchCollector<>(ctx, calls, heartbeat, stop, phase);
        this.work = new BatchWork<>(ctx, calls, heartbeat, lanes, stop, phase);
    }

    /** See {@link PollerPhase#abandon()}. */
    boolean abandon() {
        return phase.abandon();
    }

    @Override
    public void run() {
        phase.bind(Thread.currentThread());
        Thread beats = null;
        try {
            beats = startHeartbeat();
            if (beats == null) {
                return;
            }
            supervise();
            releaseAfterStop(collector.takeCarryOver());
            releaseAfterStop(work.withdrawWaiting());
        } catch (InterruptedException e) {
            // Interrupted after the stop timeout; unfinished messages come back after their visibility timeout.
        } catch (Throwable e) {
            // Only a fatal error gets here; supervise() handles every other one.
            stop.fatal(component, e);
        } finally {
            heartbeat.close();
            phase.ended();
            if (beats != null) {
                awaitEnd(beats);
            }
        }
    }

    /**
     * The heartbeat's thread, started before any message is received: without it a long handler's messages would
     * become visible again. One that cannot start fails the poller like anything else outside the handler: shown,
     * counted, retried after a backoff. Null once a stop is requested meanwhile.
     */
    private Thread startHeartbeat() throws InterruptedException {
        for (int failures = 1; ; failures++) {
            try {
                Thread beats = EngineThreads.start(Thread.ofVirtual().name(Thread.currentThread().getName()
                        + "-heartbeat"), MappingLogName.bound(ctx.mappingName(), heartbeat));
                if (failures > 1) {
                    ctx.status().resolved(component);
                    restarts.succeeded();
                }
                return beats;
            } catch (ThreadNotStarted e) {
                if (!restart(List.of(new PollerFailure("poller failed", e)), failures)) {
                    return null;
                }
            }
        }
    }

    private void supervise() throws InterruptedException {
        int failures = 0;
        while (!stop.isRequested()) {
            List<PollerFailure> failed;
            try {
                failed = round();
            } catch (BatchCollector.ReceiveFailed e) {
                if (stop.isRequested()) {
                    // A receive the stop left to finish, failing as its client closes: nothing to report or retry.
                    return;
                }
                ctx.metrics().pollingErrors.increment();
                failed = List.of(new PollerFailure("receive failed", e.getCause()));
            } catch (InterruptedException e) {
                if (phase.interruptedByStop()) {
                    throw e;
                }
                // Not the stop's: a flag code the engine calls left set (the queue calls take a source's interrupt
                // for a failed call of their own). Left set, it would end the backoff below at once, and the poller.
                Thread.interrupted();
                failed = List.of(new PollerFailure("poller failed", e));
            } catch (Throwable e) {
                if (Fatal.isFatal(e)) {
                    stop.fatal(component, e);
                    return;
                }
                failed = List.of(new PollerFailure("poller failed", e));
            }
            if (failed.isEmpty()) {
                if (failures > 0) {
                    ctx.status().resolved(component);
                    int ended = restarts.succeeded();
                    if (FailureRun.logRecovery(ended)) {
                        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("component", component)
                                .addKeyValue("failuresInARow", ended).log("the poller works again");
                    }
                }
                failures = 0;
            } else if (!restart(failed, ++failures)) {
                return;
            }
        }
    }

    /** One batch: gathered, handled, deleted. Returns what failed outside the handler. */
    private List<PollerFailure> round() throws InterruptedException, BatchCollector.ReceiveFailed {
        CollectedBatch<T> batch = collector.collect();
        List<PollerFailure> gathering = collector.takeFailures();
        if (stop.isRequested()) {
            releaseAfterStop(batch.messages());
            return List.of();
        }
        if (batch.isEmpty()) {
            return gathering;
        }
        BatchWork.Outcome outcome = work.process(batch);
        List<PollerFailure> failures = releaseStoppedGroups(outcome.stoppedGroups(), outcome.failures());
        if (gathering.isEmpty()) {
            return failures;
        }
        List<PollerFailure> all = new ArrayList<>(gathering);
        all.addAll(failures);
        return all;
    }

    /**
     * FIFO: carried-over messages of a group that stopped in the batch would run before the group's failed message
     * comes back. They go back to the queue at once instead, where the failed message, still in flight, keeps the
     * group locked: SQS then hands out the group again in order.
     */
    private List<PollerFailure> releaseStoppedGroups(Set<String> groups, List<PollerFailure> failures)
            throws InterruptedException {
        List<QueueMessage<T>> held = collector.takeCarryOver(groups);
        if (held.isEmpty()) {
            return failures;
        }
        heartbeat.untrack(held);
        QueueCalls.Outcome released = calls.release(held, phase::interruptedByStop);
        if (released.ok()) {
            return failures;
        }
        List<PollerFailure> all = new ArrayList<>(failures);
        all.add(new PollerFailure(released.describe("changeVisibility", "not released"), null));
        return all;
    }

    /**
     * Reports the failure and waits the backoff. Messages the poller still holds are let go: those of the failed
     * batch come back after their visibility timeout, the carry-over at once. Returns false when stopping.
     */
    private boolean restart(List<PollerFailure> failed, int failures) throws InterruptedException {
        ctx.metrics().restarts.increment();
        ctx.status().problem(component, failed.getFirst().problem());
        Duration backoff = ctx.backoff().delay(failures);
        FailureRun.Report report = restarts.failed();
        for (PollerFailure failure : failed) {
            FailureRun.log(LOG, report, failure.cause(), true).addKeyValue("mapping", ctx.mappingName())
                    .addKeyValue("component", component).addKeyValue("backoffMillis", backoff.toMillis())
                    .log(failure.text() + "; the poller restarts after the backoff");
        }
        heartbeat.untrackAll();
        List<QueueMessage<T>> carryOver = collector.takeCarryOver();
        if (!carryOver.isEmpty()) {
            calls.release(carryOver, phase::interruptedByStop);
        }
        return !stop.await(backoff);
    }

    /** Messages received after a stop go back at once; stop() does not interrupt that, even past its timeout. */
    private void releaseAfterStop(List<QueueMessage<T>> messages) throws InterruptedException {
        if (messages.isEmpty() || !phase.enterShield()) {
            return;
        }
        try {
            heartbeat.untrack(messages);
            calls.release(messages, phase::interruptedByStop);
        } finally {
            phase.leaveShield();
        }
    }

    /** The heartbeat thread ends at once unless a beat is in flight; an interrupt cuts the wait short. */
    private static void awaitEnd(Thread beats) {
        try {
            beats.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

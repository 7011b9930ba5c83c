package io.esm4j.internal.queue;

import io.esm4j.MappingState;
import io.esm4j.QueueStopResult;
import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.HandlerThread;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.StopOnce;
import io.esm4j.internal.ThreadNotStarted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a queue mapping: MaximumConcurrency pollers, on the threads HandlerThreads chooses, each with its own virtual
 * heartbeat thread.
 */
public final class QueueEngine<T> {

    private static final Logger LOG = LoggerFactory.getLogger(QueueEngine.class);
    /** How long a fatal error's stop lets the other pollers' batches finish, as a stream mapping's does. */
    private static final Duration FATAL_STOP_TIMEOUT = Duration.ofSeconds(30);

    private final QueueContext<T> ctx;
    private final QueueCalls<T> calls;
    private final EngineStop stop;
    private final List<QueuePoller<T>> pollers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final StopOnce<QueueStopResult> stopOnce;
    /** Open once start() has started every poller it could: a fatal error's stop waits for it to see them all. */
    private final CountDownLatch started = new CountDownLatch(1);

    public QueueEngine(QueueContext<T> ctx) {
        this.ctx = ctx;
        this.calls = new QueueCalls<>(ctx);
        this.stop = new EngineStop(ctx.mappingName(), ctx.status(), this::stopAfterFatal);
        this.stopOnce = new StopOnce<>(ctx.mappingName());
    }

    public void start() {
        ctx.status().advance(MappingState.CREATING, MappingState.ENABLED, MappingStatus.USER_ACTION);
        // As many messages may wait for keys as the pollers' batches hold: memory stays bounded by the settings.
        KeyLanes<T> lanes = ctx.orderingKey() == null ? null : new KeyLanes<>(ctx.orderingKey(),
                ctx.settings().maximumConcurrency() * ctx.settings().batchSize());
        try {
            for (int i = 0; i < ctx.settings().maximumConcurrency(); i++) {
                QueuePoller<T> poller = new QueuePoller<>(ctx, calls, lanes, stop, "poller " + i);
                String name = "esm4j-" + ctx.mappingName() + "-poller-" + i;
                // A poller whose thread cannot start fails start() (ThreadNotStarted), which says so and stops
                // the pollers started: only those are listed, for the stop to wait for.
                threads.add(EngineThreads.start(HandlerThread.builder(ctx.settings().handlerThreads(), name),
                        MappingLogName.bound(ctx.mappingName(), poller)));
                pollers.add(poller);
            }
        } finally {
            started.countDown();
        }
    }

    /**
     * Stops receiving: a long poll in progress is let finish, because the queue would keep an abandoned poll open
     * and hide the messages it takes; what it returns is released at once. Batches being handled finish and are
     * deleted. At the timeout, what still runs is interrupted, except a long poll, which finishes in the background
     * (at most ReceiveWaitTime) and releases what it got; stop() does not wait for it.
     */
    public QueueStopResult stop(Duration timeout) throws InterruptedException {
        // Once, on a thread of its own (StopOnce): a caller that is interrupted does not end it half-way.
        return stopOnce.claim() ? stopOnce.run(() -> runStop(timeout)) : stopOnce.await();
    }

    /**
     * The stop a fatal error begins, on a thread of its own; a later stop() returns its result. Called on the poller
     * (or heartbeat) that met the error, once every poller has been asked to stop: if no thread can start, that
     * thread tries again after a backoff, until one does or a stop has begun anyway, which ends the wait at once (the
     * stop waits for this poller). An interrupt does not end the retries: left undone, the stop would leave the
     * mapping DISABLING, and the JVM alive, for good.
     */
    private void stopAfterFatal() {
        stopOnce.retryUntilBegun(ctx.backoff(), this::startFatalStop);
    }

    /** False if its thread could not start. */
    private boolean startFatalStop(int attempt) {
        try {
            stopOnce.startFatalStop(() -> {
                started.await();
                stop(FATAL_STOP_TIMEOUT);
            });
            return true;
        } catch (ThreadNotStarted e) {
            LOG.atError().addKeyValue("mapping", ctx.mappingName()).addKeyValue("attempt", attempt).setCause(e)
                    .log("the fatal error's stop did not start; retrying after the backoff");
            return false;
        }
    }

    private QueueStopResult runStop(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ctx.status().beginStop(MappingStatus.USER_ACTION);
        stop.request();
        boolean drained = true;
        try {
            if (!joinAll(deadline)) {
                for (QueuePoller<T> poller : pollers) {
                    if (poller.abandon()) {
                        drained = false;
                    }
                }
            }
        } finally {
            ctx.status().stopped();
        }
        return new QueueStopResult(drained, calls.deleteFailures());
    }

    private boolean joinAll(long deadline) throws InterruptedException {
        for (Thread thread : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !thread.join(Duration.ofNanos(left))) {
                return false;
            }
        }
        return true;
    }
}

package io.esm4j.internal.queue;

import io.esm4j.MappingState;
import io.esm4j.QueueStopResult;
import io.esm4j.internal.MappingStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Runs a queue mapping: MaximumConcurrency pollers on virtual threads and one heartbeat scheduler. */
public final class QueueEngine<T> {

    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(5);

    private final QueueContext<T> ctx;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private final ScheduledExecutorService heartbeatScheduler;

    public QueueEngine(QueueContext<T> ctx) {
        this.ctx = ctx;
        this.heartbeatScheduler = Executors.newScheduledThreadPool(1,
                Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-heartbeat-", 0).factory());
    }

    public void start() {
        ctx.status().advance(MappingState.CREATING, MappingState.ENABLED, MappingStatus.USER_ACTION);
        QueueCalls<T> calls = new QueueCalls<>(ctx);
        VisibilityHeartbeat<T> heartbeat = new VisibilityHeartbeat<>(ctx, calls, heartbeatScheduler);
        KeyLanes<T> lanes = ctx.orderingKey() == null ? null : new KeyLanes<>(ctx.orderingKey());
        for (int i = 0; i < ctx.settings().maximumConcurrency(); i++) {
            QueuePoller<T> poller = new QueuePoller<>(ctx, calls, heartbeat, lanes, stopRequested, "poller " + i);
            threads.add(Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-poller-" + i).start(poller));
        }
    }

    /**
     * Stops receiving: a long poll in progress is let finish (at most ReceiveWaitTime), because the queue would keep
     * an abandoned poll open and hide the messages it takes; what it returns is released at once. Batches being
     * handled finish and are deleted; at the timeout, what still runs is interrupted.
     */
    public QueueStopResult stop(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        ctx.status().beginStop(MappingStatus.USER_ACTION);
        stopRequested.countDown();
        boolean drained = joinAll(deadline);
        if (!drained) {
            threads.forEach(Thread::interrupt);
            joinAll(Instant.now().plus(INTERRUPT_GRACE));
        }
        heartbeatScheduler.shutdownNow();
        ctx.status().stopped();
        return new QueueStopResult(drained, (long) ctx.metrics().deleteErrors.count());
    }

    private boolean joinAll(Instant deadline) throws InterruptedException {
        for (Thread thread : threads) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (!left.isPositive() || !thread.join(left)) {
                return false;
            }
        }
        return true;
    }
}

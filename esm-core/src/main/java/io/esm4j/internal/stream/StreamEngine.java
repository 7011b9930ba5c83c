package io.esm4j.internal.stream;

import io.esm4j.MappingState;
import io.esm4j.ShardStatus;
import io.esm4j.StopResult;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.StopOnce;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.metrics.SharedMeter;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.metrics.MetricNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a stream mapping: a {@link LeaseCoordinator} takes shard leases and starts a {@link ShardWorker} for each, a
 * {@link LeaseRenewer} keeps them, and {@link #stop} drains the workers, writes final checkpoints and hands the
 * leases back so that another worker takes over at once ({@link ShardDrain}, as a hand-off does for one shard).
 */
public final class StreamEngine<T> implements MappingEngine {

    private static final Logger LOG = LoggerFactory.getLogger(StreamEngine.class);
    /** After the stop timeout (or a lost lease's wind-down), how long interrupted handlers get to return. */
    static final Duration INTERRUPT_GRACE = Duration.ofSeconds(5);
    /** When draining took the whole timeout, final checkpoints and releases still get this long. */
    private static final Duration FINAL_WRITES_GRACE = Duration.ofSeconds(1);
    /** How long a stop begun after a fatal error lets batches drain. */
    private static final Duration FATAL_STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FATAL_STOP_RETRY = Duration.ofSeconds(1);

    private final StreamContext<T> ctx;
    private final Map<String, ShardWorker<T>> workers = new ConcurrentHashMap<>();
    /** Workers that lost their lease and whose invocations still run: this process does not take their shards. */
    private final Map<String, ShardWorker<?>> windingDown = new ConcurrentHashMap<>();
    private final Map<String, SharedMeter<?>> shardGauges = new ConcurrentHashMap<>();
    /** Final checkpoints of shards whose workers ended in this run (finished, or lost to another worker). */
    private final Map<String, Checkpoint> ended = new ConcurrentHashMap<>();
    private final LeaseCoordinator coordinator;
    private final LeaseRenewer renewer;
    private final ShardHandoff handoff;
    /**
     * Makes a worker's start and the stop's list of workers mutually exclusive: a worker is either started and on
     * that list, or never started. Held only while threads are started, never across I/O.
     */
    private final ReentrantLock startLock = new ReentrantLock();
    private final StopOnce<StopResult> stopOnce;

    private StreamEngine(StreamContext<T> ctx) {
        this.ctx = ctx;
        this.stopOnce = new StopOnce<>(ctx.mappingName());
        this.coordinator = new LeaseCoordinator(ctx, new LeaseCoordinator.Workers() {
            @Override
            public boolean holds(String shardId) {
                return workers.containsKey(shardId);
            }

            @Override
            public boolean busy(String shardId) {
                return workers.containsKey(shardId) || windingDown.containsKey(shardId);
            }

            @Override
            public void start(HeldLease lease) {
                startWorker(lease);
            }

            @Override
            public void takenOver(String shardId, String owner) {
                ShardWorker<T> worker = workers.get(shardId);
                if (worker != null) {
                    worker.leaseLost("the lease listing shows it held by " + (owner == null ? "nobody" : owner));
                }
            }

            @Override
            public void shardGone(String shardId) {
                ShardWorker<T> worker = workers.get(shardId);
                if (worker != null) {
                    worker.leaseLost("the stream no longer lists the shard: what was left unread in it expired");
                }
            }

            @Override
            public void handoffRequested(String shardId, String requester) {
                ShardWorker<T> worker = workers.get(shardId);
                if (worker != null) {
                    worker.handoffRequested(requester);
                }
            }

            @Override
            public void roundCompleted() {
                ctx.status().advance(MappingState.ENABLING, MappingState.ENABLED, MappingStatus.USER_ACTION);
            }

            @Override
            public void fatal(Throwable error) {
                StreamEngine.this.fatal(LeaseCoordinator.COMPONENT, error);
            }
        });
        this.renewer = new LeaseRenewer(ctx, this::liveWorkers, error -> fatal(LeaseRenewer.COMPONENT, error));
        this.handoff = new ShardHandoff(ctx, coordinator, this::forget, this::fatal);
        ctx.metrics().gauge(MetricNames.ITERATOR_AGE, EngineMetrics.Combine.MAX, this, StreamEngine::maxIteratorAge);
        ctx.metrics().gauge(MetricNames.LEASES_HELD, EngineMetrics.Combine.SUM, workers, Map::size);
    }

    public static <T> StreamEngine<T> create(StreamContext<T> ctx) {
        return new StreamEngine<>(ctx);
    }

    @Override
    public void start() {
        ctx.status().advance(MappingState.CREATING, MappingState.ENABLING, MappingStatus.USER_ACTION);
        HandoffBudget.warnIfTight(ctx);
        renewer.start();
        coordinator.start();
    }

    private Collection<ShardWorker<T>> liveWorkers() {
        return workers.values();
    }

    private void startWorker(HeldLease lease) {
        ShardWorker<T> worker = new ShardWorker<>(ctx, lease, new ShardWorker.Owner() {
            @Override
            public void shardEnded(ShardWorker<?> w) {
                LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", w.shardId())
                        .log("shard finished");
                forget(w, Checkpoint.ShardEnd.INSTANCE);
                coordinator.wake(true);
            }

            @Override
            public void leaseLost(ShardWorker<?> w, String reason) {
                // Marked before it is forgotten, so that the coordinator never sees the shard as neither.
                windingDown.put(w.shardId(), w);
                if (!forget(w, w.writtenCheckpoint())) {
                    windingDown.remove(w.shardId(), w);
                }
            }

            @Override
            public void lostSessionEnded(ShardWorker<?> w) {
                if (windingDown.get(w.shardId()) == w) {
                    // Its last invocations may have failed a checkpoint write since it was forgotten. Cleared before
                    // it stops winding down: until then the shard is not taken again, so no new problem of it is lost.
                    ShardProblems.clear(ctx.status(), w.shardId());
                }
                if (windingDown.remove(w.shardId(), w)) {
                    coordinator.wake(false);
                }
            }

            @Override
            public void fatal(String shardId, Throwable error) {
                StreamEngine.this.fatal("shard " + shardId, error);
            }

            @Override
            public void handoffRequested(ShardWorker<?> w, String requester) {
                ShardWorker<T> running = workers.get(w.shardId());
                // A stopping mapping releases every lease anyway.
                if (running == w && !stopOnce.claimed()) {
                    handoff.start(running, requester);
                }
            }
        });
        boolean started = false;
        ThreadNotStarted notStarted = null;
        startLock.lock();
        try {
            if (!stopOnce.claimed()) {
                workers.put(worker.shardId(), worker);
                shardGauges.put(worker.shardId(), ctx.metrics().shardGauge(MetricNames.SHARD_ITERATOR_AGE,
                        worker.shardId(), worker.health(), ShardHealth::iteratorAgeMillis));
                try {
                    worker.start();
                    started = true;
                } catch (ThreadNotStarted e) {
                    // Nothing of it runs: no stop may wait for it, nor the renewer keep its lease.
                    workers.remove(worker.shardId(), worker);
                    ctx.metrics().remove(shardGauges.remove(worker.shardId()));
                    notStarted = e;
                }
            }
        } finally {
            startLock.unlock();
        }
        if (!started) {
            // Taken just as the mapping stopped, or its threads could not start: hand it back so that nobody waits
            // for it to expire. Its checkpoint is as it was: whoever takes it next starts there.
            worker.releaseUnstarted();
        }
        if (notStarted != null) {
            throw notStarted;
        }
    }

    /** Removes a worker that no longer holds its lease; false if it was not running (or the mapping stops). */
    private boolean forget(ShardWorker<?> worker, Checkpoint last) {
        if (stopOnce.claimed() || !workers.remove(worker.shardId(), worker)) {
            return false;
        }
        if (last != null) {
            ended.put(worker.shardId(), last);
        }
        ShardProblems.clear(ctx.status(), worker.shardId());
        SharedMeter<?> gauge = shardGauges.remove(worker.shardId());
        if (gauge != null) {
            ctx.metrics().remove(gauge);
        }
        return true;
    }

    private double maxIteratorAge() {
        long max = 0;
        for (ShardWorker<T> worker : workers.values()) {
            max = Math.max(max, worker.health().iteratorAgeMillis());
        }
        return max;
    }

    /**
     * A failure that retrying cannot heal (a failing JVM, a broken class path): the mapping stops, with a state and
     * reason that say so. A later {@link #stop} returns this stop's result.
     */
    private void fatal(String component, Throwable error) {
        String reason = "PROBLEM: stopped after a fatal error in " + component + ": " + Fatal.describe(error);
        LOG.atError().addKeyValue("mapping", ctx.mappingName()).addKeyValue("component", component).setCause(error)
                .log("fatal error; stopping the mapping");
        if (ctx.status().beginStop(reason)) {
            startFatalStop();
        }
    }

    /**
     * The stop a fatal error begins, on a thread of its own. If none can start, it is tried again a second later, on
     * the lease clock: the caller may be that clock's check, or a thread that must end. Left undone, the mapping
     * would stay DISABLING, and the JVM alive, for good.
     */
    private void startFatalStop() {
        try {
            stopOnce.startFatalStop(() -> stop(FATAL_STOP_TIMEOUT));
        } catch (ThreadNotStarted e) {
            if (!stopOnce.claimed()) {
                LOG.atError().addKeyValue("mapping", ctx.mappingName()).setCause(e)
                        .log("the fatal error's stop did not start; retrying in 1 s");
                LeaseThreads.after(FATAL_STOP_RETRY, this::startFatalStop);
            }
        }
    }

    /** The shards as this worker knows them: its own in detail, the others' from the last lease listing. */
    @Override
    public List<ShardStatus> shards() {
        Map<String, ShardStatus> byShard = new LinkedHashMap<>();
        for (Lease lease : coordinator.lastLeases()) {
            // Held by this worker at its last listing, yet no shard worker runs it now: released since (handed over,
            // lost or ended). Nobody is known to hold it until the next listing says who took it.
            String owner = ctx.workerId().equals(lease.owner()) ? null : lease.owner();
            byShard.put(lease.shardId(), new ShardStatus(lease.shardId(), owner,
                    Checkpoints.describe(lease.checkpoint()), -1, 0, 0, null, handoffTo(lease)));
        }
        for (ShardWorker<T> worker : workers.values()) {
            ShardHealth health = worker.health();
            byShard.put(worker.shardId(), new ShardStatus(worker.shardId(), ctx.workerId(),
                    Checkpoints.describe(worker.position()), health.iteratorAgeMillis(), worker.inFlight(),
                    health.restarts(), health.lastError(), handoffTo(worker.lease().current())));
        }
        return new ArrayList<>(byShard.values());
    }

    private static String handoffTo(Lease lease) {
        return lease.handoffRequested() ? lease.handoffTo() : null;
    }

    /**
     * Stops polling, lets in-flight invocations finish until the timeout, writes final checkpoints and releases the
     * leases. Runs once, on a thread of its own ({@link StopOnce}): a second call (the user's while a fatal error's
     * stop runs) returns the first one's result once it has ended, the mapping DISABLED, as a queue or Kafka
     * mapping's does; the first ends by its own deadline and graces.
     */
    @Override
    public StopResult stop(Duration timeout) throws InterruptedException {
        if (!stopOnce.claim()) {
            return stopOnce.await();
        }
        return stopOnce.run(() -> {
            try {
                return runStop(timeout);
            } finally {
                // Before the result is handed out: whoever returns from stop() sees DISABLED.
                ctx.status().stopped();
                ctx.metrics().close();
            }
        });
    }

    private StopResult runStop(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        ctx.status().beginStop(MappingStatus.USER_ACTION);
        coordinator.stop();
        List<ShardWorker<T>> all;
        startLock.lock();
        try {
            all = new ArrayList<>(workers.values());
        } finally {
            startLock.unlock();
        }
        boolean drained = ShardDrain.drain(all, deadline, INTERRUPT_GRACE);
        List<ShardStopReport> reports = ShardDrain.finishAll(ctx, all,
                later(deadline, Instant.now().plus(FINAL_WRITES_GRACE)));
        renewer.stop();
        Map<String, Checkpoint> checkpoints = new HashMap<>(ended);
        List<String> unsaved = new ArrayList<>();
        long notProcessed = 0;
        for (ShardStopReport report : reports) {
            if (report.checkpoint() != null) {
                checkpoints.put(report.shardId(), report.checkpoint());
            }
            if (!report.checkpointSaved()) {
                unsaved.add(report.shardId());
            }
            notProcessed += report.recordsNotDone();
        }
        return new StopResult(drained, checkpoints, notProcessed, unsaved);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}

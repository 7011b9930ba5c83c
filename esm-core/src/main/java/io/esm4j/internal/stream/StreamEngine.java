package io.esm4j.internal.stream;

import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.checkpoint.Checkpoint;
import io.esm4j.internal.MappingStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a stream mapping: a coordinator thread lists shards (periodically and as soon as a shard ends), starts a
 * {@link ShardWorker} for every shard the {@link ShardPlanner} allows, and stops them all on {@link #stop}.
 */
public final class StreamEngine<T> {

    private static final Logger LOG = LoggerFactory.getLogger(StreamEngine.class);
    /** After the stop timeout, how long interrupted handlers get to return. */
    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(5);
    private static final String COORDINATOR = "coordinator";

    private final StreamContext<T> ctx;
    private final ShardPlanner planner;
    private final Map<String, ShardWorker<T>> workers = new LinkedHashMap<>();
    private final List<ShardWorker<T>> endedWorkers = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final List<String> endedShards = new ArrayList<>();
    private boolean stopping;
    private Thread coordinator;

    StreamEngine(StreamContext<T> ctx) {
        this.ctx = ctx;
        this.planner = new ShardPlanner(ctx.settings());
    }

    public static <T> StreamEngine<T> create(StreamContext<T> ctx) {
        return new StreamEngine<>(ctx);
    }

    public void start() {
        ctx.status().advance(MappingState.CREATING, MappingState.ENABLING, MappingStatus.USER_ACTION);
        coordinator = Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-coordinator").start(this::coordinate);
    }

    private void coordinate() {
        int failures = 0;
        lock.lock();
        try {
            while (!stopping) {
                for (String shardId : endedShards) {
                    planner.markFinished(shardId);
                    endedWorkers.add(workers.remove(shardId));
                }
                endedShards.clear();
                try {
                    syncShards();
                    failures = 0;
                    ctx.status().resolved(COORDINATOR);
                    ctx.status().advance(MappingState.ENABLING, MappingState.ENABLED, MappingStatus.USER_ACTION);
                } catch (Exception e) {
                    failures++;
                    ctx.metrics().pollingErrors.increment();
                    ctx.status().problem(COORDINATOR, "PROBLEM: listing shards failed: " + e);
                    LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("attempt", failures)
                            .setCause(e).log("listing shards failed; retrying");
                }
                if (!endedShards.isEmpty()) {
                    continue;
                }
                Duration wait = failures > 0 ? ctx.backoff().delay(failures) : ctx.settings().shardSyncInterval();
                wake.await(wait.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            // stop() interrupts only after its own timeout.
        } finally {
            lock.unlock();
        }
    }

    /** Guarded by lock. */
    private void syncShards() throws Exception {
        List<ShardPlanner.Start> starts = planner.plan(ctx.source().listShards(),
                shardId -> ctx.checkpoints().load(ctx.mappingName(), shardId));
        for (ShardPlanner.Start start : starts) {
            LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", start.shardId())
                    .addKeyValue("from", start.from()).log("starting shard");
            ShardWorker<T> worker = new ShardWorker<>(ctx, start.shardId(), start.from(), this::shardEnded);
            workers.put(start.shardId(), worker);
            worker.start();
        }
    }

    private void shardEnded(String shardId) {
        lock.lock();
        try {
            endedShards.add(shardId);
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops polling, lets in-flight invocations finish until the timeout, writes final checkpoints. */
    public StopResult stop(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        ctx.status().beginStop(MappingStatus.USER_ACTION);
        List<ShardWorker<T>> all;
        lock.lock();
        try {
            stopping = true;
            wake.signalAll();
            all = new ArrayList<>(workers.values());
            all.addAll(endedWorkers);
        } finally {
            lock.unlock();
        }
        if (coordinator != null) {
            coordinator.join(timeout);
        }
        all.forEach(ShardWorker::requestStop);
        boolean drained = true;
        for (ShardWorker<T> worker : all) {
            drained &= worker.awaitTermination(deadline);
        }
        if (!drained) {
            all.forEach(ShardWorker::interrupt);
            Instant graceDeadline = Instant.now().plus(INTERRUPT_GRACE);
            for (ShardWorker<T> worker : all) {
                worker.awaitTermination(graceDeadline);
            }
        }
        Map<String, Checkpoint> checkpoints = new HashMap<>();
        List<String> unsaved = new ArrayList<>();
        long notProcessed = 0;
        for (ShardWorker<T> worker : all) {
            ShardStopReport report = worker.finish();
            if (report.checkpoint() != null) {
                checkpoints.put(report.shardId(), report.checkpoint());
            }
            if (!report.checkpointSaved()) {
                unsaved.add(report.shardId());
            }
            notProcessed += report.recordsNotDone();
        }
        ctx.status().stopped();
        return new StopResult(drained, checkpoints, notProcessed, unsaved);
    }
}

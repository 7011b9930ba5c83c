package io.esm4j.internal.stream;

import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.ThreadNotStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How shard workers are stopped, in two steps each bounded by a deadline: drain (no new batches, batches in flight
 * finish, handlers still running at the deadline are interrupted and get a grace to return), then finish (final
 * checkpoint and lease release, every shard at once on a thread of its own). The mapping's stop drains all its shards
 * this way and a hand-off drains one; {@link StreamEngine} decides when and with which deadlines.
 */
final class ShardDrain {

    // The engine's log category, as before this class was split from it: log configurations keep working.
    private static final Logger LOG = LoggerFactory.getLogger(StreamEngine.class);

    private ShardDrain() {}

    /**
     * Stops the shards' reading and batching; batches in flight finish until the deadline, then handlers still
     * running are interrupted and get {@code grace} to return. True if they finished by the deadline.
     */
    static boolean drain(List<? extends ShardWorker<?>> shards, Instant deadline, Duration grace)
            throws InterruptedException {
        shards.forEach(ShardWorker::requestStop);
        boolean drained = true;
        for (ShardWorker<?> worker : shards) {
            drained &= worker.awaitTermination(deadline);
        }
        if (!drained) {
            shards.forEach(ShardWorker::interruptHandlers);
            Instant graceDeadline = Instant.now().plus(grace);
            for (ShardWorker<?> worker : shards) {
                worker.awaitTermination(graceDeadline);
            }
        }
        return drained;
    }

    /** Final checkpoints and releases of every shard at once, each bounded by the deadline. */
    static <T> List<ShardStopReport> finishAll(StreamContext<T> ctx, List<ShardWorker<T>> all, Instant deadline)
            throws InterruptedException {
        Map<ShardWorker<T>, CompletableFuture<ShardStopReport>> pending = new LinkedHashMap<>();
        for (ShardWorker<T> worker : all) {
            CompletableFuture<ShardStopReport> report = new CompletableFuture<>();
            Runnable finish = () -> {
                try {
                    report.complete(worker.finish(deadline));
                } catch (Throwable e) {
                    report.completeExceptionally(e);
                }
            };
            try {
                EngineThreads.start(Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + worker.shardId()
                        + "-finish"), MappingLogName.bound(ctx.mappingName(), finish));
            } catch (ThreadNotStarted e) {
                // Then on the stop's own thread, one after the other: skipped, the shard's lease would be left held,
                // and renewed, after the stop.
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", worker.shardId())
                        .setCause(e).log("final checkpoint written on the stop's thread: no thread of its own");
                finish.run();
            }
            pending.put(worker, report);
        }
        List<ShardStopReport> reports = new ArrayList<>();
        for (Map.Entry<ShardWorker<T>, CompletableFuture<ShardStopReport>> entry : pending.entrySet()) {
            ShardWorker<T> worker = entry.getKey();
            try {
                long left = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
                reports.add(entry.getValue().get(left, TimeUnit.MILLISECONDS));
            } catch (ExecutionException | TimeoutException e) {
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", worker.shardId())
                        .setCause(e).log("final checkpoint not written in time");
                reports.add(new ShardStopReport(worker.shardId(), worker.writtenCheckpoint(), worker.inFlight(),
                        false, false));
            }
        }
        return reports;
    }
}

package io.esm4j.internal.stream;

import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Checkpoint;
import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A stream mapping's graceful hand-off of a shard whose lease another worker asked for. */
final class ShardHandoff {

    private static final Logger LOG = LoggerFactory.getLogger(ShardHandoff.class);

    private final StreamContext<?> ctx;
    private final LeaseCoordinator coordinator;
    /** The engine lets the worker go once its lease was handed over (or left to the asker), with its last checkpoint. */
    private final BiConsumer<ShardWorker<?>, Checkpoint> forget;
    /** The engine's fatal path: component and error. */
    private final BiConsumer<String, Throwable> fatal;

    ShardHandoff(StreamContext<?> ctx, LeaseCoordinator coordinator, BiConsumer<ShardWorker<?>, Checkpoint> forget,
                 BiConsumer<String, Throwable> fatal) {
        this.ctx = ctx;
        this.coordinator = coordinator;
        this.forget = forget;
        this.fatal = fatal;
    }

    /**
     * Another worker asked for this shard's lease: the shard stops as at a graceful stop (no new batches, those in
     * flight finish, handlers still running then are interrupted), its final checkpoint is written and its lease
     * released, all within what is left of GracefulHandoffTimeout ({@link HandoffBudget}), so that the asker starts
     * exactly where this worker ended. On a thread of its own: the coordinator and the renewer, which notice the
     * request, never wait for a drain.
     */
    void start(ShardWorker<?> worker, String requester) {
        try {
            EngineThreads.start(Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + worker.shardId()
                    + "-handoff"), () -> handOver(worker, requester));
        } catch (ThreadNotStarted e) {
            // As when a hand-off fails: the shard stops and its lease is left to the asker (after
            // GracefulHandoffTimeout), rather than run on by a worker that will never hand it over.
            LOG.atError().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", worker.shardId())
                    .setCause(e).log("handing the shard over failed");
            worker.leaseLost("handing the shard over failed: " + Fatal.describe(e));
        }
    }

    private void handOver(ShardWorker<?> worker, String requester) {
        try {
            LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", worker.shardId())
                    .addKeyValue("requester", requester).log("lease asked for; handing the shard over");
            coordinator.handingOver(worker.shardId(), requester);
            Instant noticed = Instant.now();
            HandoffBudget budget = HandoffBudget.of(ctx.settings());
            ShardDrain.drain(List.of(worker), noticed.plus(budget.drain()), budget.interruptGrace());
            ShardStopReport report = worker.finish(noticed.plus(budget.finishBy()));
            if (report.released()) {
                ctx.metrics().handoffsCompleted.increment();
            }
            LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", worker.shardId())
                    .addKeyValue("requester", requester).addKeyValue("released", report.released())
                    .addKeyValue("checkpointSaved", report.checkpointSaved())
                    .addKeyValue("checkpoint", report.checkpoint() == null ? null
                            : Checkpoints.describe(report.checkpoint()))
                    .log(report.released() ? "lease handed over" : "lease not handed over; the asker takes it "
                            + "after GracefulHandoffTimeout or the failover time");
            forget.accept(worker, report.checkpoint());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            if (Fatal.isFatal(e)) {
                fatal.accept("hand-off of shard " + worker.shardId(), e);
                return;
            }
            // A bug, not a store failure (finish handles those): give the shard up rather than leave it half
            // stopped; the asker takes it after GracefulHandoffTimeout.
            LOG.atError().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", worker.shardId())
                    .setCause(e).log("handing the shard over failed");
            worker.leaseLost("handing the shard over failed: " + Fatal.describe(e));
        }
    }
}

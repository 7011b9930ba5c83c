package io.esm4j.kafka.internal;

import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.stream.ShardPipeline;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.lease.Checkpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this mapping's consumer owns, each with its shard pipeline, and what is done with them on the poll
 * thread: taking in what the lanes report, committing up to the done prefix, restarting a failed pipeline, and
 * letting partitions go (revoke, loss, stop). Every method but the map's readers runs on the poll thread.
 */
final class Partitions {

    private static final Logger LOG = LoggerFactory.getLogger(Partitions.class);
    /** How often a wait for lanes looks whether its deadline moved closer. */
    private static final Duration DEADLINE_RECHECK = Duration.ofMillis(100);

    private final StreamContext<KafkaRecord> ctx;
    private final @Nullable SchemaDecoding decoding;
    private final Consumer<byte[], byte[]> consumer;
    private final KafkaMetrics metrics;
    /** Written by the poll thread only; read by status and gauges. */
    final Map<TopicPartition, PartitionState> owned;
    private final ConcurrentLinkedQueue<LaneEvent> events = new ConcurrentLinkedQueue<>();
    private final AtomicLong generations = new AtomicLong();

    /** Lambda's messages for refused calls as LastProcessingResult: commits here, polls and lookups elsewhere. */
    final AuthResults authResults;
    final OffsetCommits commits;

    /** @param authResults where refused calls show Lambda's message (shared with the schema registry's calls) */
    Partitions(StreamContext<KafkaRecord> ctx, Consumer<byte[], byte[]> consumer, KafkaMetrics metrics,
               Map<TopicPartition, PartitionState> owned, @Nullable SchemaDecoding decoding,
               AuthResults authResults) {
        this.authResults = authResults;
        this.ctx = ctx;
        this.decoding = decoding;
        this.owned = owned;
        this.consumer = consumer;
        this.metrics = metrics;
        this.commits = new OffsetCommits(ctx, consumer, metrics, owned, authResults);
    }

    PartitionState add(TopicPartition partition) {
        PartitionState state = new PartitionState(partition, generations.incrementAndGet(),
                ctx.settings().parallelizationFactor() > 1, decoding);
        state.pipeline = startPipeline(state);
        owned.put(partition, state);
        metrics.partitionAdded(state);
        return state;
    }

    /** A failure on the poll thread between poll and hand-out: every partition restarts after its done prefix. */
    void restartAll(Throwable cause) {
        for (PartitionState state : owned.values()) {
            if (!state.restarting) {
                pipelineFailed(state, cause);
            }
        }
    }

    private ShardPipeline<KafkaRecord> startPipeline(PartitionState state) {
        PipelineListener listener = new PipelineListener(state, events);
        // A key with nothing in flight goes to any free lane: keys do not queue behind the keys their hash shares.
        ShardPipeline<KafkaRecord> pipeline = new ShardPipeline<>(ctx, state.shardId, listener,
                ShardPipeline.LaneRouting.FREE_KEY, () -> state.lost);
        listener.pipeline = pipeline;
        pipeline.start();
        return pipeline;
    }

    /** Takes in what the lanes reported; reports of partitions no longer owned (or owned anew) are dropped. */
    void drainEvents() {
        LaneEvent event;
        while ((event = events.poll()) != null) {
            PartitionState state = event.state();
            if (owned.get(state.partition) != state) {
                continue;
            }
            switch (event) {
                case LaneEvent.Progressed p -> {
                    if (p.nextOffset() > state.doneUpTo) {
                        state.doneUpTo = p.nextOffset();
                    }
                    if (state.failuresInARow > 0) {
                        state.failuresInARow = 0;
                        ctx.status().resolved(component(state));
                    }
                }
                case LaneEvent.Failed f -> {
                    if (f.pipeline() == state.pipeline && !state.restarting) {
                        pipelineFailed(state, f.cause());
                    }
                }
                case LaneEvent.LanesEnded e -> {
                    // Noted even before the failure is: the intake closes a pipeline whose records it could not
                    // take in, and its lanes may report their end before the failure report is read.
                    if (e.pipeline() == state.pipeline) {
                        state.lanesEnded = true;
                        backOffFromNow(state);
                    }
                }
            }
        }
    }

    /**
     * A lane failed outside the handler (an engine or destination bug, not a handler error): the partition pauses,
     * the pipeline closes, and once its lanes ended a new one starts after the done prefix, with backoff.
     */
    private void pipelineFailed(PartitionState state, Throwable cause) {
        if (Fatal.isFatal(cause)) {
            throw new FatalPollFailure(cause);
        }
        state.restarting = true;
        state.failuresInARow++;
        backOffFromNow(state);
        state.restarts++;
        state.lastError = Fatal.describe(cause);
        consumer.pause(List.of(state.partition));
        state.paused = true;
        state.pipeline.close();
        ctx.metrics().restarts.increment();
        ctx.status().problem(component(state), "PROBLEM: partition " + state.shardId
                + " restarted after a failure: " + Fatal.describe(cause));
        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("partition", state.shardId)
                .addKeyValue("failuresInARow", state.failuresInARow).setCause(cause)
                .log("partition pipeline failed outside the handler; restarting after the last done record");
    }

    /** A restart waits its failures' backoff, counted from the later of the failure and the lanes' end. */
    private void backOffFromNow(PartitionState state) {
        state.restartAtNanos = System.nanoTime() + ctx.backoff().delay(state.failuresInARow).toNanos();
    }

    /** From the intake: a poll's records could not be handed to {@code pipeline}; handled like a lane's failure. */
    void intakeFailed(PartitionState state, ShardPipeline<KafkaRecord> pipeline, Throwable cause) {
        events.add(new LaneEvent.Failed(state, pipeline, cause));
    }

    /** Starts the pipelines whose failed predecessors have ended and whose backoff is over. */
    void restartDue() {
        for (PartitionState state : owned.values()) {
            if (state.restarting && state.lanesEnded && System.nanoTime() - state.restartAtNanos >= 0) {
                long from = state.doneUpTo >= 0 ? state.doneUpTo : state.pipelineFirstOffset;
                if (from >= 0) {
                    consumer.seek(state.partition, from);
                }
                state.restarting = false;
                state.lanesEnded = false;
                state.pipelineFirstOffset = -1;
                state.restartedAtNanos = System.nanoTime();
                state.pipeline = startPipeline(state);
            }
        }
    }

    /**
     * A partition restarted after failures that has nothing left to do (a lag of 0 worked out since its pipeline
     * started: every record read is done, none waits at the broker) works again, as one whose records progress does:
     * its problem goes, and the backoff starts over. Without this an idle partition kept the problem, and the mapping
     * its PROBLEM reason, until a record came, as the stream engine's shards do not. Called after {@link
     * #drainEvents}, so that a pipeline whose start failed is seen as restarting again.
     */
    void resolveCaughtUp() {
        for (PartitionState state : owned.values()) {
            if (state.failuresInARow > 0 && !state.restarting && state.lag == 0
                    && state.lagAtNanos - state.restartedAtNanos > 0) {
                state.failuresInARow = 0;
                ctx.status().resolved(component(state));
            }
        }
    }

    /**
     * Lets partitions go in order: no more batches, in-flight batches get until {@code deadline}, what is done is
     * committed (unless {@code commit} is false: the membership was lost and the offsets may belong to another
     * member now), late lanes are interrupted, and later reports are dropped, and a late batch that runs out of
     * retries is left to the next owner instead of being given up. Returns whether every lane ended in
     * time and the commit, if any, went through.
     */
    Release release(Collection<PartitionState> states, Instant deadline, boolean commit) {
        return release(states, () -> deadline, commit);
    }

    /** As above, with a deadline that may move closer while the lanes are waited for (a stop during a revoke). */
    Release release(Collection<PartitionState> states, Supplier<Instant> deadline, boolean commit) {
        if (!commit) {
            // Lost with the membership: another member reads them from the committed offsets, so what runs out of
            // retries here meanwhile is left to it rather than sent to the on-failure destination.
            states.forEach(state -> state.lost = true);
        }
        states.forEach(state -> state.pipeline.close());
        try {
            boolean drained = awaitLanes(states, deadline);
            drainEvents();
            boolean saved = !commit || commits.commitSync(states, OffsetCommits.COMMIT_TIMEOUT) == CommitOutcome.SAVED;
            // Fenced from here on: the offsets are committed (or left) for the next owner, who reads what is not done
            // again, so a late lane that runs out of retries leaves its batch to it rather than sending it to the
            // on-failure destination as given up (its report is dropped anyway).
            states.forEach(state -> state.lost = true);
            if (!drained) {
                states.forEach(state -> state.pipeline.interruptLanes());
            }
            return Release.of(states, drained, saved);
        } finally {
            // Even if taking in the lanes' reports threw (a fatal failure among them): the consumer lets these
            // partitions go whatever the callback does, and one still owned here would be paused, resumed, sought
            // and committed as if it were assigned.
            forget(states);
        }
    }

    /**
     * The partitions are no longer this consumer's: fenced (later reports are dropped, nothing is committed for them
     * again) and out of the gauges and the status.
     */
    void forget(Collection<PartitionState> states) {
        for (PartitionState state : states) {
            state.lost = true;
            owned.remove(state.partition, state);
            metrics.partitionRemoved(state);
            ctx.status().resolved(component(state));
        }
        if (owned.isEmpty()) {
            commits.noneOwned();
        }
    }

    /** The states of those of {@code given} this consumer owns (a rebalance callback may name others). */
    List<PartitionState> owned(Collection<TopicPartition> given) {
        List<PartitionState> states = new ArrayList<>();
        for (TopicPartition partition : given) {
            PartitionState state = owned.get(partition);
            if (state != null) {
                states.add(state);
            }
        }
        return states;
    }

    /** Waits for the partitions' lanes to end; false if the deadline (or an interrupt) came first. */
    static boolean awaitLanes(Collection<PartitionState> states, Instant deadline) {
        return awaitLanes(states, () -> deadline);
    }

    /**
     * As above, looking at the deadline again every {@link #DEADLINE_RECHECK}: a stop requested during a revoke's
     * wait ends it at the stop's deadline rather than the revoke's, which may be minutes later.
     */
    private static boolean awaitLanes(Collection<PartitionState> states, Supplier<Instant> deadline) {
        try {
            while (true) {
                Instant until = deadline.get();
                Instant slice = Instant.now().plus(DEADLINE_RECHECK);
                Instant waitTo = slice.isBefore(until) ? slice : until;
                boolean drained = true;
                for (PartitionState state : states) {
                    drained &= state.pipeline.awaitLanes(waitTo);
                    if (!drained) {
                        break;
                    }
                }
                if (drained) {
                    return true;
                }
                if (!Instant.now().isBefore(deadline.get())) {
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String component(PartitionState state) {
        return "partition " + state.shardId;
    }

    /** Forwards one pipeline's reports to the poll thread's queue; never blocks a lane. */
    private static final class PipelineListener implements ShardPipeline.Listener {
        private final PartitionState state;
        private final ConcurrentLinkedQueue<LaneEvent> events;
        /** Set before the pipeline starts, so before any lane can report. */
        @SuppressWarnings("NullAway.Init")
        ShardPipeline<?> pipeline;

        PipelineListener(PartitionState state, ConcurrentLinkedQueue<LaneEvent> events) {
            this.state = state;
            this.events = events;
        }

        @Override
        public void progressed(Checkpoint checkpoint) {
            if (checkpoint instanceof Checkpoint.AtSequenceNumber at) {
                events.add(new LaneEvent.Progressed(state, Long.parseLong(at.sequenceNumber()) + 1));
            }
        }

        @Override
        public void failed(Throwable failure) {
            events.add(new LaneEvent.Failed(state, pipeline, failure));
        }

        @Override
        public void lanesEnded() {
            events.add(new LaneEvent.LanesEnded(state, pipeline));
        }
    }
}

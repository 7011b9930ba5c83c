package io.esm4j.kafka.internal;

import io.esm4j.internal.metrics.SharedMeter;
import io.esm4j.internal.stream.ShardPipeline;
import io.esm4j.kafka.KafkaRecord;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * One assignment of one partition to this mapping's consumer. A new assignment is a new object with a new
 * generation: what the lanes of an earlier one report is recognised by identity and dropped (fenced). Fields without
 * {@code volatile} are the poll thread's alone.
 */
final class PartitionState {

    final TopicPartition partition;
    final String shardId;
    final long generation;
    final RecordConverter converter;
    /** Set right after construction (the pipeline's listener needs this object); replaced on a restart. */
    @SuppressWarnings("NullAway.Init")
    volatile ShardPipeline<KafkaRecord> pipeline;
    /**
     * Set when the partition was lost with the group membership, or once it was let go (revoke, stop) and its done
     * prefix committed: its batches give nothing up any more, the next owner reads what is not done again.
     */
    volatile boolean lost;
    /** The offset after the done prefix: what may be committed; -1 until a record is done. */
    volatile long doneUpTo = -1;
    /**
     * Records polled and not in the pipeline yet: waiting in the {@link Intake}'s queue or held back for a schema. What
     * {@link #unfinished()} adds to the pipeline's.
     */
    final AtomicInteger queuedRecords = new AtomicInteger();
    /**
     * Records polled and not yet offered to the pipeline: the queued ones and those being offered. They take the
     * pipeline's room too; counted out only once the pipeline counts them in, so that room is never overstated.
     */
    final AtomicInteger notYetOffered = new AtomicInteger();
    /** The last offset committed by this assignment; -1 before the first commit. */
    volatile long committed = -1;
    /** The first offset offered under this assignment: CommittedEventCount counts from it. */
    long firstOffset = -1;
    /** The first offset offered to the current pipeline: where a restarted pipeline starts if nothing is done. */
    long pipelineFirstOffset = -1;
    boolean paused;
    /** Paused until {@link StartPositions} has looked up and committed where it starts (LATEST, AT_TIMESTAMP). */
    boolean startPending;
    boolean restarting;
    boolean lanesEnded;
    long restartAtNanos;
    /** When the current pipeline started after a failure (System.nanoTime); see {@link #lagAtNanos}. */
    long restartedAtNanos;
    int failuresInARow;
    volatile long restarts;
    volatile @Nullable String lastError;
    /** Records not yet passed by the done prefix plus those the broker has beyond the fetch position; -1 unknown. */
    volatile long lag = -1;
    /** When {@link #lag} was worked out (System.nanoTime). */
    long lagAtNanos;
    @Nullable SharedMeter<?> lagGauge;

    /**
     * Polls of this partition the {@link Intake} holds back, in poll order, because a record in the first waits for its
     * schema: later polls wait behind it. The intake thread's alone.
     */
    final ArrayDeque<Intake.Polled> held = new ArrayDeque<>();
    /** The first offset {@link #held} back, for the partition's status; -1 when nothing is. */
    volatile long heldFrom = -1;

    /**
     * @param laneKeys whether records are dealt to lanes by key (ParallelizationFactor &gt; 1)
     * @param decoding the mapping's schema registry, or null without one
     */
    PartitionState(TopicPartition partition, long generation, boolean laneKeys, @Nullable SchemaDecoding decoding) {
        this.partition = partition;
        this.shardId = partition.topic() + "-" + partition.partition();
        this.generation = generation;
        this.converter = new RecordConverter(partition, shardId, laneKeys, decoding);
    }

    /** Records polled and not yet passed by the done prefix: in the intake (queued, held) or in the pipeline. */
    long unfinished() {
        return queuedRecords.get() + pipeline.inFlight();
    }

    /** The offsets to commit, or -1 if nothing new is done. */
    long pendingCommit() {
        return doneUpTo > committed ? doneUpTo : -1;
    }
}

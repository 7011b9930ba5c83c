package io.esm4j.kafka.internal;

import io.esm4j.internal.FailureRun;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaAuthResults;
import io.esm4j.kafka.KafkaRecord;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Committing the owned partitions' done prefixes, on the poll thread: the cadence's commit that does not wait, and the
 * commit that waits (revoke, stop), with what a refusal shows in the status and in LastProcessingResult.
 */
final class OffsetCommits {

    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommits.class);
    /** The status component of failing offset commits. */
    private static final String COMMITS = "offset commits";
    /** How long a commit that waits for its answer (revoke, stop) may take. */
    static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);

    private final StreamContext<KafkaRecord> ctx;
    private final Consumer<byte[], byte[]> consumer;
    private final KafkaMetrics metrics;
    private final Map<TopicPartition, PartitionState> owned;
    private final AuthResults authResults;
    /** Failed commits in a row, for the log: a coordinator away fails the commit of every CheckpointInterval. */
    private final FailureRun failures = new FailureRun();

    OffsetCommits(StreamContext<KafkaRecord> ctx, Consumer<byte[], byte[]> consumer, KafkaMetrics metrics,
                  Map<TopicPartition, PartitionState> owned, AuthResults authResults) {
        this.ctx = ctx;
        this.consumer = consumer;
        this.metrics = metrics;
        this.owned = owned;
        this.authResults = authResults;
    }

    /**
     * Commits every owned partition's done prefix that moved, without waiting (the cadence's commit). A failure, in
     * the callback or thrown at once (a fenced static member), is shown in the status until a commit goes through; the
     * next cadence carries the offsets again. It never restarts a partition: its records are not in question. The
     * answer may come after a partition was revoked and assigned again: it then counts for the assignment it was made
     * for only.
     */
    void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = pending(owned.values());
        if (offsets.isEmpty()) {
            return;
        }
        Map<TopicPartition, PartitionState> assignments = new HashMap<>(owned);
        try {
            consumer.commitAsync(offsets, (done, error) -> {
                if (error != null) {
                    commitFailed(offsets.size(), error);
                    return;
                }
                committed(offsets, assignments);
            });
        } catch (WakeupException e) {
            // Not thrown by a commit that does not wait; should it be, the loop sees the stop next.
        } catch (RuntimeException e) {
            Fatal.rethrowIfFatal(e);
            commitFailed(offsets.size(), e);
        }
    }

    private void commitFailed(int partitionCount, Throwable error) {
        metrics.commitErrors.increment();
        ctx.status().problem(COMMITS, "PROBLEM: committing offsets failed; the next commit carries them again: "
                + Fatal.describe(error));
        KafkaAuthResults.ofPollFailure(error).ifPresent(message -> authResults.show(COMMITS, message));
        FailureRun.log(LOG, failures.failed(), error, true).addKeyValue("mapping", ctx.mappingName())
                .addKeyValue("partitions", partitionCount)
                .log("offset commit failed; the next commit carries the offsets again");
    }

    /**
     * Commits the done prefixes of {@code states} and waits. {@link CommitOutcome#REBALANCING} when the classic
     * protocol's consumer is in the middle of a rebalance ({@link RebalanceInProgressException}); anything else that
     * fails ({@code CommitFailedException} among them: the membership or generation moved on) is
     * {@link CommitOutcome#FAILED}.
     */
    CommitOutcome commitSync(Collection<PartitionState> states, Duration timeout) {
        return commitSync(states, timeout, false);
    }

    /** As above; {@code again}: a retry through the same rebalance, whose refusal was counted and logged already. */
    CommitOutcome commitSync(Collection<PartitionState> states, Duration timeout, boolean again) {
        Map<TopicPartition, OffsetAndMetadata> offsets = pending(states);
        if (offsets.isEmpty()) {
            return CommitOutcome.SAVED;
        }
        try {
            try {
                consumer.commitSync(offsets, timeout);
            } catch (WakeupException e) {
                // stop() wakes the consumer; a wakeup that came between two polls fires here instead, and is spent.
                consumer.commitSync(offsets, timeout);
            }
            committed(offsets, owned);
            return CommitOutcome.SAVED;
        } catch (RebalanceInProgressException e) {
            if (!again) {
                metrics.commitErrors.increment();
            }
            LOG.atLevel(again ? Level.DEBUG : Level.INFO).addKeyValue("mapping", ctx.mappingName())
                    .addKeyValue("partitions", offsets.size())
                    .log("offset commit refused: the consumer is in the middle of a rebalance");
            return CommitOutcome.REBALANCING;
        } catch (Exception e) {
            metrics.commitErrors.increment();
            KafkaAuthResults.ofPollFailure(e).ifPresent(message -> authResults.show(COMMITS, message));
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("partitions", offsets.size())
                    .setCause(e).log("offset commit failed; the records after the last commit are read again");
            return CommitOutcome.FAILED;
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> pending(Collection<PartitionState> states) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (PartitionState state : states) {
            long offset = state.pendingCommit();
            if (offset >= 0) {
                offsets.put(state.partition, new OffsetAndMetadata(offset));
            }
        }
        return offsets;
    }

    /** Counts the offsets the broker took for the assignments they were committed for, if still owned. */
    private void committed(Map<TopicPartition, OffsetAndMetadata> offsets,
                           Map<TopicPartition, PartitionState> assignments) {
        noneFailing();
        offsets.forEach((partition, offset) -> {
            PartitionState state = owned.get(partition);
            if (state != null && state == assignments.get(partition) && offset.offset() > state.committed) {
                long from = state.committed >= 0 ? state.committed : state.firstOffset;
                metrics.committed.increment(Math.max(0, offset.offset() - Math.max(0, from)));
                state.committed = offset.offset();
            }
        });
    }

    /** A failed commit of partitions this consumer no longer has is nothing to fix any more. */
    void noneOwned() {
        noneFailing();
    }

    /** Commits went through (or none is left to fix): the problem, Lambda's message and the run of failures end. */
    private void noneFailing() {
        ctx.status().resolved(COMMITS);
        authResults.takeBack(COMMITS);
        int ended = failures.succeeded();
        if (FailureRun.logRecovery(ended)) {
            LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("failuresInARow", ended)
                    .log("offset commits work again");
        }
    }
}

package io.esm4j.kafka.internal;

import io.esm4j.internal.handler.Fatal;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stop's commit of the done prefixes, carried through a rebalance the member is in the middle of. Under the
 * classic group protocol a commit between the member's JoinGroup and the end of its SyncGroup is refused
 * ({@code RebalanceInProgressException}, whether the client or the broker refuses it); Kafka's answer is to poll so
 * that the rebalance completes, then commit again. So this polls, every partition paused so that nothing is read,
 * until the rebalance completes or the stop's deadline comes: the rebalance callbacks run meanwhile (a revoked
 * partition is committed and let go by the revoke path, a lost one is let go without a commit, a newly assigned one
 * stays paused and is not taken on), and then the partitions still owned are committed. Any other failure, a
 * {@code CommitFailedException} (the membership or generation moved on) above all, is not retried: the offsets may be
 * another member's to commit by then. Under the consumer group protocol (KIP-848) a commit is not refused for a
 * reconciliation under way: only a stale member epoch refuses it, as a {@code CommitFailedException}.
 * <p>
 * The commit is tried again only once a poll has run the rebalance's last callback ({@link #rebalanceCompleted()}),
 * not as soon as the consumer takes commits again: a poll can read the SyncGroup answer while it waits for records,
 * after the point where it runs the callbacks, and return; the consumer then takes commits in the new generation, but
 * the callbacks wait for the next poll, so a commit before that would carry a partition the rebalance took away past
 * its revoke.
 */
final class StopCommit {

    private static final Logger LOG = LoggerFactory.getLogger(StopCommit.class);

    private final String mappingName;
    private final Consumer<byte[], byte[]> consumer;
    private final Partitions partitions;
    /** Rebalances whose callbacks have run (poll thread only, like every other call here). */
    private long completedRebalances;

    StopCommit(String mappingName, Consumer<byte[], byte[]> consumer, Partitions partitions) {
        this.mappingName = mappingName;
        this.consumer = consumer;
        this.partitions = partitions;
    }

    /** From the rebalance listener's {@code onPartitionsAssigned}, which Kafka calls at the end of every rebalance. */
    void rebalanceCompleted() {
        completedRebalances++;
    }

    /** Commits the owned partitions' done prefixes, through a rebalance in progress until {@code deadline}. */
    CommitOutcome commit(Instant deadline) {
        long rebalancesBefore = completedRebalances;
        CommitOutcome outcome = partitions.commits.commitSync(partitions.owned.values(), OffsetCommits.COMMIT_TIMEOUT);
        if (outcome != CommitOutcome.REBALANCING || !Instant.now().isBefore(deadline)) {
            return outcome;
        }
        LOG.atInfo().addKeyValue("mapping", mappingName).addKeyValue("deadline", deadline)
                .log("stop: the last commit met a rebalance in progress; polling with every partition paused until "
                        + "it completes");
        int polls = 0;
        while (outcome == CommitOutcome.REBALANCING) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                break;
            }
            consumer.pause(consumer.assignment());
            try {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(min(PollLoop.POLL_TIMEOUT, left));
                polls++;
                if (!records.isEmpty()) {
                    // Fetched before the pause took hold: they lie after the done prefix, which is all that is
                    // committed, so whoever reads the partition next reads them.
                    LOG.atDebug().addKeyValue("mapping", mappingName).addKeyValue("records", records.count())
                            .log("stop: records polled while waiting for the rebalance are not handed out");
                }
            } catch (WakeupException e) {
                continue;
            } catch (RuntimeException e) {
                FatalPollFailure.rethrowFrom(e);
                Fatal.rethrowIfFatal(e);
                LOG.atWarn().addKeyValue("mapping", mappingName).setCause(e)
                        .log("stop: polling to complete the rebalance failed; the last commit is not retried");
                return CommitOutcome.FAILED;
            }
            if (completedRebalances == rebalancesBefore) {
                continue;
            }
            rebalancesBefore = completedRebalances;
            // Refused for the rebalance, a commit comes back at once (from the client, or the broker's first answer);
            // once the rebalance is over it has the usual time for its answer (stop() allows for that beyond the
            // deadline).
            outcome = partitions.commits.commitSync(partitions.owned.values(), OffsetCommits.COMMIT_TIMEOUT, true);
        }
        LOG.atInfo().addKeyValue("mapping", mappingName).addKeyValue("outcome", outcome).addKeyValue("polls", polls)
                .log("stop: the wait for the rebalance in progress ended");
        return outcome;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}

package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.settings.StartingPosition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * stop() while the member is in the middle of a rebalance (classic group protocol): the last commit is refused
 * ({@code RebalanceInProgressException}) until the rebalance completes, so the stop polls, every partition paused,
 * until it does and then commits. The rebalance is held open by a plain member of the group that the test keeps from
 * polling: the broker waits for it to rejoin, and the mapping's consumer, which has sent its JoinGroup, waits too.
 */
class StopDuringRebalanceTest extends BrokerTest {

    private static final int RECORDS_PER_PARTITION = 10;

    @Test
    void theDonePrefixesAreCommittedOnceTheRebalanceCompletes() throws Exception {
        String topic = topicWithRecords();
        String group = "g-" + UUID.randomUUID();
        // The member that joins reads a topic of its own: the mapping keeps both partitions.
        Outcome outcome = stopWhileAMemberJoins(topic, group, broker.topic("stop-rebalance-joiner", 1));

        assertThat(outcome.result().shardsWithUnsavedCheckpoint()).as("partitions named unsaved").isEmpty();
        assertThat(broker.committed(group)).as("the group's committed offsets")
                .containsEntry(new TopicPartition(topic, 0), (long) RECORDS_PER_PARTITION)
                .containsEntry(new TopicPartition(topic, 1), (long) RECORDS_PER_PARTITION);
        assertThat(outcome.result().checkpoints()).containsOnlyKeys(topic + "-0", topic + "-1");
        assertThat(outcome.revoked()).as("partitions revoked while stopping").isZero();
    }

    @Test
    void aPartitionTheRebalanceTakesAwayIsCommittedByItsRevokeAndTheOtherOnceItCompletes() throws Exception {
        String topic = topicWithRecords();
        String group = "g-" + UUID.randomUUID();
        // The member that joins reads the mapping's topic: the rebalance takes one partition from the mapping.
        Outcome outcome = stopWhileAMemberJoins(topic, group, topic);

        assertThat(outcome.result().shardsWithUnsavedCheckpoint()).as("partitions named unsaved").isEmpty();
        assertThat(broker.committed(group)).as("the group's committed offsets")
                .containsEntry(new TopicPartition(topic, 0), (long) RECORDS_PER_PARTITION)
                .containsEntry(new TopicPartition(topic, 1), (long) RECORDS_PER_PARTITION);
        assertThat(outcome.revoked()).as("partitions revoked while stopping").isEqualTo(1);
    }

    @Test
    void aPartitionTheRebalanceAssignsWhileStoppingIsNeitherReadNorCommitted() throws Exception {
        String topic = broker.topic("stop-rebalance", 2);
        String group = "g-" + UUID.randomUUID();
        HeldMember idle = HeldMember.join(broker, group, broker.topic("stop-rebalance-idle", 1));
        HeldMember leaver = null;
        Recorder handler = new Recorder();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        // LATEST: a partition taken on looks its end up and commits it before reading. One taken on while stopping
        // would show in the group's offsets.
        EventSourceMapping<KafkaRecord> mapping = mapping(topic, group, handler, metrics, StartingPosition.LATEST);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> idle.assignment().size() == 1);
            leaver = HeldMember.join(broker, group, topic);
            HeldMember other = leaver;
            await().atMost(Duration.ofSeconds(60)).until(() -> other.assignment().size() == 2);
            mapping.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> mapping.shards().size() == 1
                    && other.assignment().size() == 1 && broker.committed(group).size() == 1);
            TopicPartition mine = broker.committed(group).keySet().iterator().next();
            TopicPartition theirs = new TopicPartition(topic, 1 - mine.partition());
            for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                broker.send(topic, mine.partition(), "k", "mine-" + i);
                broker.send(topic, theirs.partition(), "k", "theirs-" + i);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == RECORDS_PER_PARTITION);

            // The other reader leaves: its partition goes to the mapping in the rebalance the stop waits out.
            StopResult result = stopWhileHeld(mapping, group, metrics, idle, other::close).result();

            assertThat(result.shardsWithUnsavedCheckpoint()).as("partitions named unsaved").isEmpty();
            assertThat(broker.committed(group)).as("the group's committed offsets")
                    .isEqualTo(Map.of(mine, (long) RECORDS_PER_PARTITION));
            assertThat(handler.succeeded).as("records read").extracting(KafkaRecord::partition)
                    .containsOnly(mine.partition());
        } finally {
            idle.release();
            Fixtures.stopQuietly(mapping);
            idle.close();
            if (leaver != null) {
                leaver.close();
            }
        }
    }

    /** A topic of two partitions with {@link #RECORDS_PER_PARTITION} records in each. */
    private static String topicWithRecords() throws Exception {
        String topic = broker.topic("stop-rebalance", 2);
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
                broker.send(topic, p, "k" + p, "p" + p + "-" + i);
            }
        }
        return topic;
    }

    /**
     * A mapping reads every record of {@code topic}, with nothing committed; then, while a plain member is held, one
     * joins reading {@code joinerTopic}, and the mapping is stopped in the rebalance that follows.
     */
    private static Outcome stopWhileAMemberJoins(String topic, String group, String joinerTopic) throws Exception {
        HeldMember idle = HeldMember.join(broker, group, broker.topic("stop-rebalance-idle", 1));
        HeldMember[] joiner = new HeldMember[1];
        Recorder handler = new Recorder();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        EventSourceMapping<KafkaRecord> mapping = mapping(topic, group, handler, metrics,
                StartingPosition.TRIM_HORIZON);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> idle.assignment().size() == 1);
            mapping.start();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> handler.succeeded.size() == 2 * RECORDS_PER_PARTITION);
            assertThat(broker.committed(group)).as("committed before the stop").isEmpty();
            return stopWhileHeld(mapping, group, metrics, idle, () -> joiner[0] = HeldMember.join(broker, group,
                    joinerTopic));
        } finally {
            idle.release();
            Fixtures.stopQuietly(mapping);
            idle.close();
            if (joiner[0] != null) {
                joiner[0].close();
            }
        }
    }

    /**
     * Holds {@code idle}, starts a rebalance with {@code trigger}, waits for the mapping's consumer to send its
     * JoinGroup and stops the mapping; once the stop's commit was refused, lets {@code idle} rejoin, which completes
     * the rebalance.
     */
    private static Outcome stopWhileHeld(EventSourceMapping<KafkaRecord> mapping, String group,
                                         SimpleMeterRegistry metrics, HeldMember idle, Trigger trigger)
            throws Exception {
        idle.hold();
        JoinSignallingAssignor.reset();
        trigger.run();
        await().atMost(Duration.ofSeconds(60)).until(() -> JoinSignallingAssignor.joins() > 0);
        // The mapping's own counters: they still count once the stopped mapping has left the registry.
        Counter commitErrors = metrics.get(KafkaMetricNames.COMMIT_ERROR_COUNT).counter();
        Counter revoked = metrics.get(KafkaMetricNames.PARTITIONS_REVOKED).counter();
        double revokedBefore = revoked.count();
        assertThat(commitErrors.count()).as("commit errors before the stop").isZero();
        CompletableFuture<StopResult> stopped = CompletableFuture.supplyAsync(() -> {
            try {
                return mapping.stop(Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // The stop's commit was refused (or, without the wait for the rebalance, the stop ended with it refused).
        await().atMost(Duration.ofSeconds(60)).until(() -> stopped.isDone() || commitErrors.count() > 0);
        idle.release();
        StopResult result = stopped.get(120, TimeUnit.SECONDS);
        // And then it left the group, as a stop always does.
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.admin.describeConsumerGroups(List.of(group))
                .all().get().get(group).members().stream()
                .allMatch(member -> member.clientId().startsWith(HeldMember.CLIENT_ID_PREFIX)));
        return new Outcome(result, revoked.count() - revokedBefore);
    }

    /**
     * Nothing committed on the cadence while the test runs (5 minutes is the longest CheckpointInterval): the stop's
     * commit is the only one, so every commit error counted is one of its attempts.
     */
    private static EventSourceMapping<KafkaRecord> mapping(String topic, String group, Recorder handler,
                                                           SimpleMeterRegistry metrics, StartingPosition start) {
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group)
                .consumerProperty(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                        JoinSignallingAssignor.class.getName())
                .build();
        return EventSourceMapping.builder("stop-rebalance", source, handler)
                .settings(Fixtures.fast().startingPosition(start).checkpointInterval(Duration.ofMinutes(5)).build())
                .meterRegistry(metrics).build();
    }

    private interface Trigger {
        void run() throws Exception;
    }

    private record Outcome(StopResult result, double revoked) {}
}

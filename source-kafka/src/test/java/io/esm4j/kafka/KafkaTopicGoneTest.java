package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StartingPosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.junit.jupiter.api.Test;

/**
 * A topic that does not exist: deleted while its mapping runs (then created again under the same name), not created
 * yet when the mapping starts, or one of a mapping's several topics. A Kafka consumer's polls do not fail for it, so
 * the mapping's probe of the topic is what shows it.
 */
class KafkaTopicGoneTest extends BrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static boolean consumerGroupProtocolOn;

    /**
     * Deleting the topic also deletes the group's committed offsets on it, so the partitions of the topic created again
     * have none. Before, they were taken for partitions the mapping had never seen and started at StartingPosition:
     * with LATEST, at their end when the consumer's metadata refresh found them, skipping what producers had written
     * to the new topic by then. Now a partition this mapping read before and whose committed offset is gone starts at
     * its earliest offset, as a partition created after the start does. While the topic is gone, the mapping says so
     * (before, its status showed nothing at all) until the topic is back.
     */
    @Test
    void aTopicDeletedAndCreatedAgainIsReadFromItsBeginningWithLatest() throws Exception {
        deletedAndCreatedAgain("gone", Fixtures.source(broker, broker.topic("gone", 1)));
    }

    /**
     * The same under the consumer group protocol of KIP-848, where the broker's coordinator assigns: the member loses
     * its partitions of the deleted topic in a callback, as under the classic protocol, and its probe runs then.
     */
    @Test
    void aTopicDeletedAndCreatedAgainUnderTheConsumerGroupProtocol() throws Exception {
        deletedAndCreatedAgain("gone-kip848", consumerGroupProtocol(broker.topic("gone-kip848", 1)));
    }

    private void deletedAndCreatedAgain(String name, KafkaSource.Builder source) throws Exception {
        String topic = source.build().topics().getFirst();
        String group = "g-" + UUID.randomUUID();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name,
                source.consumerGroupId(group).consumerProperty("metadata.max.age.ms", "2000").build(), handler)
                .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).build()).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.committed(group).isEmpty());
            broker.send(topic, 0, "k", "old");
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 1);

            broker.admin.deleteTopics(List.of(topic)).all().get();
            await().atMost(Duration.ofSeconds(60)).until(() -> mapping.shards().isEmpty());
            String problem = "PROBLEM: Topic " + topic + " does not exist.";
            await().atMost(Duration.ofSeconds(30)).until(() -> mapping.stateTransitionReason().equals(problem));
            assertThat(mapping.lastProcessingResult()).isEqualTo(problem);
            broker.admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            for (int i = 0; i < 3; i++) {
                broker.send(topic, 0, "k", "new" + i);
            }

            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 4);
            assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                    .containsExactly("old", "new0", "new1", "new2");
            await().atMost(WAIT).until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /**
     * A topic that does not exist when the mapping starts (a typo, or not created yet with auto-creation off): before,
     * the mapping showed "No records processed" and no problem. Now its reason and result name the topic; once it is
     * created, the consumer is made to learn of it at the next probe (not at its metadata refresh, 5 minutes away by
     * default), the records written to it before the mapping noticed are all read (LATEST: the topic is newer than
     * the mapping, so its partitions start at their earliest offset), and the problem goes.
     */
    @Test
    void aTopicThatDoesNotExistShowsTheProblemUntilItIsCreatedAndIsThenReadFromItsBeginning() throws Exception {
        missingAtStart("absent", Fixtures.source(broker, KafkaBroker.absentTopic("absent")));
    }

    /**
     * The same under the consumer group protocol of KIP-848, where the broker's coordinator assigns. The probe is armed
     * by the rebalance callbacks; a member whose topics do not exist is assigned nothing, and the client still calls
     * {@code onPartitionsAssigned} with an empty set once it has joined (kafka-clients 4.3), so the problem shows as
     * under the classic protocol. Kept so that a client that stops doing so is noticed.
     */
    @Test
    void aTopicThatDoesNotExistShowsTheProblemUnderTheConsumerGroupProtocol() throws Exception {
        missingAtStart("absent-kip848", consumerGroupProtocol(KafkaBroker.absentTopic("absent-kip848")));
    }

    private void missingAtStart(String name, KafkaSource.Builder source) throws Exception {
        String topic = source.build().topics().getFirst();
        String problem = "PROBLEM: Topic " + topic + " does not exist.";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name,
                source.consumerGroupId("g-" + UUID.randomUUID()).build(), handler)
                .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).build())
                .meterRegistry(registry).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> mapping.stateTransitionReason().equals(problem));
            assertThat(mapping.lastProcessingResult()).isEqualTo(problem);
            assertThat(AclAwaits.counter(registry, MetricNames.POLLING_ERROR_COUNT)).isPositive();

            broker.create(topic, 2, Map.of());
            for (int i = 0; i < 4; i++) {
                broker.send(topic, i % 2, "k" + i % 2, "v" + i);
            }

            await().atMost(WAIT).until(() -> handler.succeeded.size() == 4);
            assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                    .containsExactlyInAnyOrder("v0", "v1", "v2", "v3");
            await().atMost(WAIT).until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /**
     * One topic of two does not exist: the other is read and its batches' OK does not replace the problem, which
     * names the missing topic only.
     */
    @Test
    void aMappingOfTwoTopicsOneMissingReadsTheOtherAndNamesTheMissingOne() throws Exception {
        String present = broker.topic("present", 1);
        String absent = KafkaBroker.absentTopic("absent");
        String problem = "PROBLEM: Topic " + absent + " does not exist.";
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("one-absent",
                Fixtures.source(broker, present).topics(present, absent).consumerGroupId("g-" + UUID.randomUUID())
                        .build(), handler)
                .settings(Fixtures.fast().build()).build();
        mapping.start();
        try {
            for (int i = 0; i < 3; i++) {
                broker.send(present, 0, "k", "v" + i);
            }
            await().atMost(WAIT).until(() -> handler.succeeded.size() == 3
                    && mapping.stateTransitionReason().equals(problem));
            assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                    .containsExactly("v0", "v1", "v2");
            assertThat(mapping.lastProcessingResult()).isEqualTo(problem);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /** A source of {@code topic} under the consumer group protocol, which refuses the classic protocol's timeouts. */
    private static KafkaSource.Builder consumerGroupProtocol(String topic) throws Exception {
        if (!consumerGroupProtocolOn) {
            // The embedded broker is formatted without the feature that turns the protocol on.
            broker.admin.updateFeatures(Map.of("group.version", new FeatureUpdate((short) 1,
                    FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions()).all().get();
            consumerGroupProtocolOn = true;
        }
        return KafkaSource.builder().bootstrapServers(broker.bootstrapServers).topics(topic)
                .consumerProperty("group.protocol", "consumer");
    }
}

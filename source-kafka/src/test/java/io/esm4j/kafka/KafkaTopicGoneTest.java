package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.settings.StartingPosition;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/** A topic deleted while its mapping runs, then created again under the same name. */
class KafkaTopicGoneTest extends BrokerTest {

    /**
     * Deleting the topic also deletes the group's committed offsets on it, so the partitions of the topic created again
     * have none. Before, they were taken for partitions the mapping had never seen and started at StartingPosition:
     * with LATEST, at their end when the consumer's metadata refresh found them, skipping what producers had written
     * to the new topic by then. Now a partition this mapping read before and whose committed offset is gone starts at
     * its earliest offset, as a partition created after the start does.
     */
    @Test
    void aTopicDeletedAndCreatedAgainIsReadFromItsBeginningWithLatest() throws Exception {
        String topic = broker.topic("gone", 1);
        String group = "g-" + UUID.randomUUID();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("gone",
                Fixtures.source(broker, topic).consumerGroupId(group).consumerProperty("metadata.max.age.ms", "2000")
                        .build(), handler)
                .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).build()).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.committed(group).isEmpty());
            broker.send(topic, 0, "k", "old");
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 1);

            broker.admin.deleteTopics(List.of(topic)).all().get();
            await().atMost(Duration.ofSeconds(60)).until(() -> mapping.shards().isEmpty());
            broker.admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            for (int i = 0; i < 3; i++) {
                broker.send(topic, 0, "k", "new" + i);
            }

            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 4);
            assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                    .containsExactly("old", "new0", "new1", "new2");
            assertThat(mapping.stateTransitionReason()).doesNotStartWith("PROBLEM");
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }
}

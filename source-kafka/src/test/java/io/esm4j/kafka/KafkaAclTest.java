package io.esm4j.kafka;

import static io.esm4j.kafka.AclAwaits.WAIT;
import static io.esm4j.kafka.AclAwaits.awaitReadAndCommitted;
import static io.esm4j.kafka.AclAwaits.awaitRefusedAndRetrying;
import static io.esm4j.kafka.AclAwaits.counter;
import static io.esm4j.kafka.AclAwaits.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StartingPosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ACL refusals on a real broker ({@link AclBroker}: Kafka's {@code StandardAuthorizer}, SASL/PLAIN users), each
 * test's user with every ACL it needs but one, which the test grants ({@code Admin.createAcls}) while the mapping runs
 * (and takes away again, with {@code deleteAcls}, once it has read). Nothing is injected: the refusals are the
 * broker's.
 */
class KafkaAclTest {

    private static AclBroker acl;
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        acl = AclBroker.start("topicless", "groupless", "writeless", "describer");
        broker = acl.broker;
    }

    @AfterAll
    static void stopBroker() {
        if (acl != null) {
            acl.close();
            acl = null;
        }
    }

    /**
     * No READ on the topic: the consumer is refused its metadata (later, once it has read, its fetches), which it
     * reports from one poll only; the mapping shows Lambda's message all the same and keeps trying; once the ACL is
     * granted it reads every record and the message goes. Taken away again after that, the refusal shows again, and
     * the result from before it ("OK") comes back once the ACL is back.
     */
    @Test
    void aTopicTheUserMayNotReadShowsLambdasMessageUntilTheAclIsGranted() throws Exception {
        refusedTopic("acl-topic", source -> source.consumerProperty("session.timeout.ms", "10000")
                .consumerProperty("heartbeat.interval.ms", "500"));
    }

    /** The same under the consumer group protocol of KIP-848, where the broker's coordinator assigns. */
    @Test
    void aTopicTheUserMayNotReadShowsLambdasMessageUnderTheConsumerGroupProtocol() throws Exception {
        // The embedded broker is formatted without the feature that turns the protocol on.
        broker.admin.updateFeatures(Map.of("group.version", new FeatureUpdate((short) 1,
                FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions()).all().get();
        refusedTopic("acl-topic-kip848", source -> source.consumerProperty("group.protocol", "consumer"));
    }

    private void refusedTopic(String name, UnaryOperator<KafkaSource.Builder> protocol) throws Exception {
        String topic = broker.topic(name, 1);
        String group = "g-" + UUID.randomUUID();
        acl.send(topic, 0, 5);
        acl.allow("topicless", ResourceType.GROUP, group, AclOperation.READ);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name,
                        acl.source("topicless", topic, group, protocol).build(), handler)
                .settings(Fixtures.fast().build()).meterRegistry(registry).build();
        mapping.start();
        try {
            awaitRefusedAndRetrying(mapping, registry, name, "TopicAuthorizationException");
            assertThat(handler.invocations).isEmpty();
            assertThat(broker.committed(group)).isEmpty();

            AclBinding read = acl.allow("topicless", ResourceType.TOPIC, topic, AclOperation.READ);
            awaitReadAndCommitted(broker, mapping, handler, group, topic, 5);

            // Taken away while the mapping runs: its fetches are refused now. No record comes meanwhile, so what
            // shows once the ACL is back is the result from before the refusal, not a new batch's.
            acl.deny(read);
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult()
                    .equals(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE));
            assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: polling Kafka failed")
                    .contains("TopicAuthorizationException");
            int invocations = handler.invocations.size();
            acl.allow("topicless", ResourceType.TOPIC, topic, AclOperation.READ);
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult().equals("OK")
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(handler.invocations).hasSize(invocations);
            acl.send(topic, 5, 3);
            awaitReadAndCommitted(broker, mapping, handler, group, topic, 8);
        } finally {
            Fixtures.stopQuietly(mapping);
        }
    }

    /**
     * READ taken away for longer than the consumer's session (2 s; the broker takes sessions from 1 s): the heartbeats
     * keep the mapping a member of the group all along, the problem shows all along, and once READ is back the mapping
     * reads on from its committed offset: every record written meanwhile once, none of those committed before again.
     */
    @Test
    void aRefusalThatOutlastsTheSessionKeepsTheMemberAndResumesFromTheCommittedOffset() throws Exception {
        String topic = broker.topic("acl-session", 1);
        String group = "g-" + UUID.randomUUID();
        acl.allow("topicless", ResourceType.GROUP, group, AclOperation.READ);
        AclBinding read = acl.allow("topicless", ResourceType.TOPIC, topic, AclOperation.READ);
        acl.send(topic, 0, 5);
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("acl-session",
                        acl.source("topicless", topic, group, source -> source
                                .consumerProperty("session.timeout.ms", "2000")
                                .consumerProperty("heartbeat.interval.ms", "300")).build(), handler)
                .settings(Fixtures.fast().build()).build();
        mapping.start();
        try {
            awaitReadAndCommitted(broker, mapping, handler, group, topic, 5);
            acl.deny(read);
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult()
                    .equals(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE));
            acl.send(topic, 5, 3);
            // Two sessions and more: a member that stopped heartbeating would be gone from the group by then.
            long refusedUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < refusedUntil) {
                assertThat(mapping.lastProcessingResult()).isEqualTo(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE);
                assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM");
                Thread.sleep(100);
            }
            assertThat(broker.admin.describeConsumerGroups(List.of(group)).all().get().get(group).members())
                    .as("members of the group after the refusal outlasted the session").hasSize(1);
            assertThat(values(handler)).hasSize(5);
            acl.allow("topicless", ResourceType.TOPIC, topic, AclOperation.READ);
            awaitReadAndCommitted(broker, mapping, handler, group, topic, 8);
            assertThat(values(handler)).as("each record once").hasSize(8);
        } finally {
            Fixtures.stopQuietly(mapping);
        }
    }

    /**
     * AT_TIMESTAMP with the topic refused: nothing is looked up while it is; once READ is granted the mapping starts
     * at the first record from the timestamp, neither at the earliest record nor at the end.
     */
    @Test
    void anAtTimestampStartWaitsForTheAclAndStartsAtTheTimestamp() throws Exception {
        String topic = broker.topic("acl-at-timestamp", 1);
        String group = "g-" + UUID.randomUUID();
        acl.allow("topicless", ResourceType.GROUP, group, AclOperation.READ);
        long base = System.currentTimeMillis() - 60_000;
        for (int i = 0; i < 6; i++) {
            broker.send(new ProducerRecord<>(topic, 0, base + i * 1000L, KafkaBroker.bytes("k"),
                    KafkaBroker.bytes("v" + i)));
        }
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("acl-at-timestamp",
                        acl.source("topicless", topic, group).build(), handler)
                .settings(Fixtures.fast().startingPositionAtTimestamp(Instant.ofEpochMilli(base + 2500)).build())
                .build();
        mapping.start();
        TopicPartition partition = new TopicPartition(topic, 0);
        try {
            // Refused in the start's lookup of the topic's partitions, which may meet the refusal before a poll does.
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult()
                    .equals(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE)
                    && mapping.stateTransitionReason().contains("TopicAuthorizationException"));
            assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM");
            assertThat(handler.invocations).isEmpty();
            acl.allow("topicless", ResourceType.TOPIC, topic, AclOperation.READ);
            await().atMost(WAIT).until(() -> Long.valueOf(6).equals(broker.committed(group).get(partition)));
            assertThat(values(handler)).containsExactly("v3", "v4", "v5");
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult().equals("OK")
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
        } finally {
            Fixtures.stopQuietly(mapping);
        }
    }

    /**
     * Two topics, one of them refused: the other is read and committed all along while the refused one's message
     * shows; once granted, the second is read as well.
     */
    @Test
    void oneRefusedTopicOfTwoShowsLambdasMessageWhileTheOtherIsRead() throws Exception {
        String allowed = broker.topic("acl-allowed", 1);
        String refused = broker.topic("acl-refused", 1);
        String group = "g-" + UUID.randomUUID();
        acl.allow("topicless", ResourceType.GROUP, group, AclOperation.READ);
        acl.allow("topicless", ResourceType.TOPIC, allowed, AclOperation.READ);
        acl.send(allowed, 0, 3);
        acl.send(refused, 0, 3);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder();
        String name = "acl-two-topics";
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name,
                        acl.source("topicless", allowed, group).topics(allowed, refused).build(), handler)
                .settings(Fixtures.fast().build()).meterRegistry(registry).build();
        mapping.start();
        try {
            awaitRefusedAndRetrying(mapping, registry, name, "TopicAuthorizationException");
            // The problem and Lambda's message stay while the refusal lasts, whatever the batches of the other topic
            // report meanwhile: the result does not flip to their "OK" between two probes.
            for (int offset = 3; offset < 6; offset++) {
                acl.send(allowed, offset, 1);
                long end = offset + 1;
                await().atMost(WAIT).until(() -> Long.valueOf(end).equals(broker.committed(group)
                        .get(new TopicPartition(allowed, 0))));
                assertThat(mapping.lastProcessingResult()).as("after a batch of the readable topic")
                        .isEqualTo(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE);
                assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: polling Kafka failed")
                        .contains("TopicAuthorizationException");
            }
            assertThat(handler.succeeded).extracting(KafkaRecord::topic).containsOnly(allowed);

            acl.allow("topicless", ResourceType.TOPIC, refused, AclOperation.READ);
            await().atMost(WAIT).until(() -> Long.valueOf(3).equals(broker.committed(group)
                    .get(new TopicPartition(refused, 0))));
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult().equals("OK")
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(handler.succeeded.stream().filter(record -> record.topic().equals(refused))
                    .map(record -> KafkaBroker.text(record.value())).distinct()).containsExactly("v0", "v1", "v2");
        } finally {
            Fixtures.stopQuietly(mapping);
        }
    }

    /**
     * READ on the topic but not on the consumer group: finding the group's coordinator, joining it and committing are
     * refused. The mapping shows Lambda's message and keeps trying; once the ACL is granted it reads every record and
     * commits. Taken away again, the commits (and heartbeats) are refused: the message shows, nothing is committed
     * past what was done, and once the ACL is back the offsets reach the end.
     */
    @Test
    void aGroupTheUserMayNotUseShowsLambdasMessageUntilTheAclIsGranted() throws Exception {
        String topic = broker.topic("acl-group", 1);
        String group = "g-" + UUID.randomUUID();
        acl.send(topic, 0, 5);
        acl.allow("groupless", ResourceType.TOPIC, topic, AclOperation.READ);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder();
        String name = "acl-group";
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name,
                        acl.source("groupless", topic, group).build(), handler)
                .settings(Fixtures.fast().build()).meterRegistry(registry).build();
        mapping.start();
        try {
            awaitRefusedAndRetrying(mapping, registry, name, "GroupAuthorizationException");
            assertThat(handler.invocations).isEmpty();

            AclBinding read = acl.allow("groupless", ResourceType.GROUP, group, AclOperation.READ);
            awaitReadAndCommitted(broker, mapping, handler, group, topic, 5);

            acl.deny(read);
            double commitErrors = counter(registry, KafkaMetricNames.COMMIT_ERROR_COUNT);
            acl.send(topic, 5, 3);
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult()
                    .equals(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE));
            assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM").contains("GroupAuthorizationException");
            // Fetching needs no group ACL: the records are handled, but their commits are refused.
            await().atMost(WAIT).until(() -> values(handler).size() >= 8
                    && counter(registry, KafkaMetricNames.COMMIT_ERROR_COUNT) > commitErrors);
            assertThat(broker.committed(group).get(new TopicPartition(topic, 0))).isEqualTo(5L);
            // The batches' "OK" does not replace the message while the commits are refused.
            assertThat(mapping.lastProcessingResult()).isEqualTo(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE);
            acl.allow("groupless", ResourceType.GROUP, group, AclOperation.READ);
            awaitReadAndCommitted(broker, mapping, handler, group, topic, 8);
        } finally {
            Fixtures.stopQuietly(mapping);
        }
    }

    /**
     * With LATEST the mapping looks up the group's offsets and commits the partition's start before it reads: without
     * the group's ACL both are refused (as is joining), Lambda's message shows and nothing is read; once granted, the
     * start (the end as of then) is committed and what is written after it is read.
     */
    @Test
    void aGroupTheUserMayNotUseHoldsALatestStartUntilTheAclIsGranted() throws Exception {
        String topic = broker.topic("acl-latest", 1);
        String group = "g-" + UUID.randomUUID();
        acl.send(topic, 0, 2);
        acl.allow("groupless", ResourceType.TOPIC, topic, AclOperation.READ);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder();
        String name = "acl-latest";
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name,
                        acl.source("groupless", topic, group).build(), handler)
                .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).build())
                .meterRegistry(registry).build();
        mapping.start();
        TopicPartition partition = new TopicPartition(topic, 0);
        try {
            awaitRefusedAndRetrying(mapping, registry, name, "GroupAuthorizationException");
            assertThat(broker.committed(group)).isEmpty();
            acl.allow("groupless", ResourceType.GROUP, group, AclOperation.READ);
            await().atMost(WAIT).until(() -> Long.valueOf(2).equals(broker.committed(group).get(partition)));
            acl.send(topic, 2, 3);
            await().atMost(WAIT).until(() -> Long.valueOf(5).equals(broker.committed(group).get(partition)));
            assertThat(values(handler).stream().distinct()).containsExactly("v2", "v3", "v4");
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult().equals("OK")
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
        } finally {
            Fixtures.stopQuietly(mapping);
        }
    }

    /** A mapping stopped while the cluster refuses it stops as any other: drained, its poll thread gone. */
    @Test
    void aMappingStoppedWhileRefusedStops() throws Exception {
        String topic = broker.topic("acl-stop", 1);
        String group = "g-" + UUID.randomUUID();
        acl.send(topic, 0, 2);
        acl.allow("groupless", ResourceType.TOPIC, topic, AclOperation.READ);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String name = "acl-stop";
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name,
                        acl.source("groupless", topic, group).build(), new Recorder())
                .settings(Fixtures.fast().build()).meterRegistry(registry).build();
        mapping.start();
        try {
            awaitRefusedAndRetrying(mapping, registry, name, "GroupAuthorizationException");
        } finally {
            StopResult result = mapping.stop(Duration.ofSeconds(10));
            assertThat(result.drainedInTime()).isTrue();
            assertThat(result.recordsNotProcessed()).isZero();
        }
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals("esm4j-" + name + "-kafka-poll")));
        assertThat(broker.committed(group)).isEmpty();
    }

    /**
     * No WRITE on the on-failure Kafka topic: the poison record's delivery is refused, counted and shown, retried, and
     * the partition's commit stays before it; once WRITE is granted the failure record is written and the partition
     * commits to its end.
     */
    @Test
    void aFailureTopicTheUserMayNotWriteHoldsThePoisonRecordUntilTheAclIsGranted() throws Exception {
        refusedFailureTopic("writeless", false);
    }

    /**
     * The same with Describe on the failure topic, which lets the producer past the topic's metadata to ask for its
     * producer id (idempotence), which the broker refuses to a user that may write no topic at all.
     */
    @Test
    void aFailureTopicTheUserMayDescribeButNotWriteHoldsThePoisonRecordUntilTheAclIsGranted() throws Exception {
        refusedFailureTopic("describer", true);
    }

    private void refusedFailureTopic(String user, boolean describable) throws Exception {
        String topic = broker.topic("acl-failures-source", 1);
        String failures = broker.topic("acl-failures", 1);
        String group = "g-" + UUID.randomUUID();
        acl.send(topic, 0, 5);
        acl.allow(user, ResourceType.TOPIC, topic, AclOperation.READ);
        acl.allow(user, ResourceType.GROUP, group, AclOperation.READ);
        if (describable) {
            acl.allow(user, ResourceType.TOPIC, failures, AclOperation.DESCRIBE);
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder().behave(batch -> {
            if (batch.records().stream().anyMatch(r -> Recorder.value(r).equals("v2"))) {
                throw new IllegalStateException("poison");
            }
            return BatchResult.success();
        });
        KafkaSource source = acl.source(user, topic, group).build();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaFailureTopic failureTopic = source.failureTopic(failures)) {
            EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("acl-" + user, source, handler)
                    .settings(Fixtures.fast().batchSize(1).maximumRetryAttempts(0).build())
                    .onFailure(failureTopic).meterRegistry(registry).build();
            mapping.start();
            try {
                await().atMost(WAIT).until(() -> counter(registry,
                        KafkaMetricNames.ON_FAILURE_DESTINATION_DELIVERY_ERROR_COUNT) >= 3);
                assertThat(mapping.stateTransitionReason())
                        .startsWith("PROBLEM: on-failure destination refused the failure record");
                // Shown where a user looks for what to act on, naming the topic, until the record is written.
                assertThat(mapping.lastProcessingResult()).isEqualTo(
                        "PROBLEM: Cluster failed to authorize Lambda to write to on-failure destination kafka://"
                                + failures + ".");
                assertThat(counter(registry, MetricNames.DESTINATION_DELIVERY_FAILURES)).isGreaterThanOrEqualTo(3);
                await().atMost(WAIT).until(() -> Long.valueOf(2).equals(broker.committed(group).get(partition)));
                assertThat(counter(registry, MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT)).isZero();
                assertThat(values(handler)).doesNotContain("v3", "v4");

                acl.allow(user, ResourceType.TOPIC, failures, AclOperation.WRITE);
                await().atMost(WAIT).until(() -> Long.valueOf(5).equals(broker.committed(group).get(partition)));
                assertThat(counter(registry, MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT)).isEqualTo(1);
                assertThat(values(handler).stream().distinct()).containsExactly("v0", "v1", "v3", "v4");
                await().atMost(WAIT).until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM")
                        && mapping.lastProcessingResult().equals("OK"));
            } finally {
                Fixtures.stopQuietly(mapping);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> written = broker.readAll(failures, 1);
        assertThat(written).hasSize(1);
        assertThat(broker.endOffsets(failures, 1).get(new TopicPartition(failures, 0))).as("messages written")
                .isEqualTo(1L);
        assertThat(new ObjectMapper().readTree(written.getFirst().value()).at("/KafkaBatchInfo/recordInfo/offset")
                .asText()).isEqualTo("2");
    }
}

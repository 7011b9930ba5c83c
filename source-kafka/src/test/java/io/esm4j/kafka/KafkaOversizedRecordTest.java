package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureDestination;
import io.esm4j.handler.Batch;
import io.esm4j.kafka.internal.KafkaEventSize;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StreamSettings;
import io.esm4j.sinks.AwsClients;
import io.esm4j.sinks.Closer;
import io.esm4j.sinks.EventJson;
import io.esm4j.sinks.FailureDestinations;
import io.esm4j.sinks.S3ProxyServer;
import io.esm4j.stream.StreamRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A record whose event alone is over Lambda's 6 MB invocation payload (a 6.5 MB value, about 8.7 MB as base64) is
 * never invoked: it goes to the on-failure destination with condition MaximumPayloadSizeExceeded, as Lambda does for
 * Kafka, or is dropped and counted without one; the partition goes on and commits past it. A 4 MB record (5.3 MB in
 * the event) is still invoked, in a batch of its own size. The topic takes messages up to 16 MB.
 */
class KafkaOversizedRecordTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LARGE = 4 * 1024 * 1024;
    private static final int TOO_LARGE = 6_500_000;
    private static final List<String> VALUES = List.of("v0", "large", "v2", "too-large", "v4", "v5");

    private static KafkaBroker broker;
    private static KafkaProducer<byte[], byte[]> producer;
    private static S3ProxyServer s3Server;
    private static S3Client s3;

    @BeforeAll
    static void startServers() throws Exception {
        broker = KafkaBroker.start();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024),
                new ByteArraySerializer(), new ByteArraySerializer());
        s3Server = S3ProxyServer.start();
        s3 = AwsClients.s3(s3Server.endpoint());
    }

    @AfterAll
    static void stopServers() throws Exception {
        Closer.closeAll(s3, s3Server, producer == null ? null : () -> producer.close(Duration.ofSeconds(5)), broker);
    }

    @Test
    void theRecordGoesToTheBucketWithConditionMaximumPayloadSizeExceededAndItsWholeEvent() throws Exception {
        String bucket = "oversized-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(r -> r.bucket(bucket));
        Run run = run("oversized-s3", source -> FailureDestinations.builder().s3(s3)
                .eventJson(EventJson.ofPayloads(KafkaRecord.class, source::eventJson)).build()
                .forArn("oversized-s3", "arn:aws:s3:::" + bucket));

        assertThat(run.delivered).isEqualTo(1);
        assertThat(run.dropped).isZero();
        List<S3Object> objects = s3.listObjectsV2(r -> r.bucket(bucket)).contents();
        assertThat(objects).hasSize(1);
        String object = s3.getObjectAsBytes(r -> r.bucket(bucket).key(objects.getFirst().key()))
                .asString(StandardCharsets.UTF_8);
        JsonNode record = JSON.readTree(object);
        assertNeverInvokedRecord(record);
        JsonNode info = record.get("KafkaBatchInfo");
        assertThat(info.get("batchSize").asInt()).isEqualTo(1);
        assertThat(info.at("/recordsInfo/" + run.topic + "-0/firstRecordOffset").asText()).isEqualTo("3");
        assertThat(info.at("/recordsInfo/" + run.topic + "-0/lastRecordOffset").asText()).isEqualTo("3");
        // payloadSize is the size of the event Lambda could not invoke, and the object holds that event.
        String event = record.get("payload").asText();
        assertThat(info.get("payloadSize").asLong()).isEqualTo(event.getBytes(StandardCharsets.UTF_8).length)
                .isGreaterThan(StreamSettings.MAX_PAYLOAD_BYTES);
        JsonNode tooLarge = JSON.readTree(event).at("/records/" + run.topic + "-0/0");
        assertThat(tooLarge.get("offset").asLong()).isEqualTo(3);
        assertThat(tooLarge.get("value").asText()).hasSize(4 * ((TOO_LARGE + 2) / 3));
    }

    @Test
    void aFailureTopicThatCannotTakeTheRecordGetsItsFailureRecordWithoutPayload() throws Exception {
        // The topic's producer keeps Kafka's default max.request.size (1 MB): the 8.7 MB message with the payload
        // is refused, the failure record is sent again without it.
        String failures = broker.topic("oversized-failures", 1);
        List<KafkaFailureTopic> opened = new ArrayList<>();
        Run run;
        try {
            run = run("oversized-topic", source -> {
                KafkaFailureTopic topic = source.failureTopic(failures);
                opened.add(topic);
                return topic;
            });
        } finally {
            opened.forEach(KafkaFailureTopic::close);
        }
        List<ConsumerRecord<byte[], byte[]>> written = broker.readAll(failures, 1);
        assertThat(written).hasSize(1);
        assertThat(KafkaBroker.text(written.getFirst().key())).isEqualTo(run.topic + "-0");
        JsonNode record = JSON.readTree(written.getFirst().value());
        assertNeverInvokedRecord(record);
        assertThat(record.has("payload")).isFalse();
        assertThat(record.at("/KafkaBatchInfo/batchSize").asInt()).isEqualTo(1);
        assertThat(record.at("/KafkaBatchInfo/recordInfo/offset").asText()).isEqualTo("3");
        assertThat(record.at("/KafkaBatchInfo/payloadSize").asLong()).isGreaterThan(StreamSettings.MAX_PAYLOAD_BYTES);
    }

    @Test
    void withoutADestinationTheRecordIsDroppedAndCounted() throws Exception {
        Run run = run("oversized-dropped", source -> null);

        assertThat(run.dropped).isEqualTo(1);
        assertThat(run.delivered).isZero();
    }

    @Test
    void aBatchEndsBeforeItsEventWithTheEnvelopeIsOverSixMegabytes() throws Exception {
        String topic = broker.topic("near-cap", 1, Map.of("max.message.bytes", Integer.toString(16 * 1024 * 1024)));
        // Two records whose parts of the event add up to just under 6 MB: with the envelope around them
        // (eventSource, bootstrapServers, the partition's list), one event of both would be over.
        KafkaRecord empty = new KafkaRecord(topic, 0, 0, System.currentTimeMillis(), "CREATE_TIME",
                KafkaBroker.bytes("k"), new byte[0], List.of());
        long fixed = KafkaEventSize.record(empty) + 1;
        int value = (int) ((StreamSettings.MAX_PAYLOAD_BYTES / 2 - 10 - fixed) / 4 * 3);
        for (int i = 0; i < 2; i++) {
            producer.send(new ProducerRecord<>(topic, 0, KafkaBroker.bytes("k"), filled(value))).get();
        }
        String group = "g-" + UUID.randomUUID();
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group).build();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("near-cap", source, handler)
                .settings(Fixtures.fast().batchSize(10).build()).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> Long.valueOf(2)
                    .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        List<KafkaRecord> both = handler.succeeded;
        assertThat(both).hasSize(2);
        assertThat(both.stream().mapToLong(KafkaEventSize::record).sum() + 1)
                .isLessThanOrEqualTo(StreamSettings.MAX_PAYLOAD_BYTES);
        assertThat(source.eventJson(both).getBytes(StandardCharsets.UTF_8).length)
                .isGreaterThan(StreamSettings.MAX_PAYLOAD_BYTES);
        assertThat(handler.invocations).hasSize(2).allSatisfy(batch -> assertThat(batch.records()).hasSize(1));
    }

    /**
     * Writes the six records (the fourth too large) to a new one-partition topic, runs a mapping with the
     * destination {@code destination} makes for its source (none if null) until the partition is committed to its
     * end, and checks what every run shares: the handler got every record but the too-large one, in order, and no
     * invocation's event was over 6 MB.
     */
    private static Run run(String name, Function<KafkaSource, FailureDestination> destination) throws Exception {
        String topic = broker.topic(name, 1, Map.of("max.message.bytes", Integer.toString(16 * 1024 * 1024)));
        for (String value : VALUES) {
            byte[] bytes = switch (value) {
                case "large" -> filled(LARGE);
                case "too-large" -> filled(TOO_LARGE);
                default -> KafkaBroker.bytes(value);
            };
            producer.send(new ProducerRecord<>(topic, 0, KafkaBroker.bytes("k"), bytes)).get();
        }
        String group = "g-" + UUID.randomUUID();
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group).build();
        Recorder handler = new Recorder();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EventSourceMapping.Builder<KafkaRecord> builder = EventSourceMapping.builder(name, source, handler)
                .settings(Fixtures.fast().batchSize(10).build()).meterRegistry(registry);
        FailureDestination onFailure = destination.apply(source);
        if (onFailure != null) {
            builder.onFailure(onFailure);
        }
        EventSourceMapping<KafkaRecord> mapping = builder.build();
        mapping.start();
        double delivered;
        double dropped;
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> Long.valueOf(VALUES.size())
                    .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
            // Read while the mapping runs: its meters go when it stops.
            delivered = count(registry, MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT);
            dropped = count(registry, MetricNames.DROPPED_EVENT_COUNT);
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        assertThat(handler.succeeded).extracting(KafkaRecord::offset).containsExactly(0L, 1L, 2L, 4L, 5L);
        for (Batch<StreamRecord<KafkaRecord>> batch : handler.invocations) {
            String event = source.eventJson(batch.records().stream().map(StreamRecord::payload).toList());
            assertThat(event.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(
                    StreamSettings.MAX_PAYLOAD_BYTES);
        }
        return new Run(topic, delivered, dropped);
    }

    private static double count(SimpleMeterRegistry registry, String name) {
        Counter counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * Never invoked: condition MaximumPayloadSizeExceeded, no invocation counted, and {@code "responseContext": null}
     * as in Lambda's Kafka failure record.
     */
    private static void assertNeverInvokedRecord(JsonNode record) {
        assertThat(record.at("/requestContext/condition").asText()).isEqualTo("MaximumPayloadSizeExceeded");
        assertThat(record.at("/requestContext/approximateInvokeCount").asInt()).isZero();
        assertThat(record.has("responseContext")).isTrue();
        assertThat(record.get("responseContext").isNull()).isTrue();
        assertThat(record.at("/version").asText()).isEqualTo("1.0");
    }

    private static byte[] filled(int size) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) 'x');
        return bytes;
    }

    private record Run(String topic, double delivered, double dropped) {}
}

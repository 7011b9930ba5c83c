package io.esm4j.kafka;

import io.github.embeddedkafka.EmbeddedK;
import io.github.embeddedkafka.EmbeddedKafka$;
import io.github.embeddedkafka.EmbeddedKafkaConfig$;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import scala.collection.immutable.Map$;

/**
 * A KRaft broker in the test JVM (embedded-kafka), on 127.0.0.1 and free ports, with a producer and an admin client.
 * A test class starts one in {@code @BeforeAll} and stops it in {@code @AfterAll} (most extend {@link BrokerTest}).
 */
final class KafkaBroker implements AutoCloseable {

    final String bootstrapServers;
    final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;

    private KafkaBroker(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        // One request in flight keeps the order without the idempotent producer's sequence numbers, which were
        // seen to wedge on a fresh embedded broker under load (OutOfOrderSequenceException until the batch expired).
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    static KafkaBroker start() {
        scala.collection.immutable.Map<String, String> brokerProperties = scalaMap(Map.of(
                "group.initial.rebalance.delay.ms", "0", "auto.create.topics.enable", "false"));
        scala.collection.immutable.Map<String, String> empty = Map$.MODULE$.empty();
        EmbeddedK kafka = EmbeddedKafka$.MODULE$.start(EmbeddedKafkaConfig$.MODULE$.apply(0, 0, brokerProperties,
                empty, empty));
        return new KafkaBroker("127.0.0.1:" + kafka.config().kafkaPort());
    }

    /**
     * A broker with listeners of the caller's (and whatever else {@code brokerProperties} sets), on {@code port} for
     * the PLAINTEXT listener named BROKER, which the admin client and producer use, and {@code controllerPort} for
     * the controller; both on 127.0.0.1, as the listeners must name their ports.
     */
    static KafkaBroker start(int port, int controllerPort, Map<String, String> brokerProperties) {
        Map<String, String> properties = new HashMap<>(Map.of("group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false", "controller.quorum.voters", "0@127.0.0.1:" + controllerPort));
        properties.putAll(brokerProperties);
        scala.collection.immutable.Map<String, String> empty = Map$.MODULE$.empty();
        EmbeddedKafka$.MODULE$.start(EmbeddedKafkaConfig$.MODULE$.apply(port, controllerPort, scalaMap(properties),
                empty, empty));
        return new KafkaBroker("127.0.0.1:" + port);
    }

    @SuppressWarnings("unchecked")
    private static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> properties) {
        scala.collection.immutable.Map<String, String> map = Map$.MODULE$.empty();
        for (Map.Entry<String, String> entry : properties.entrySet()) {
            map = (scala.collection.immutable.Map<String, String>) map.updated(entry.getKey(), entry.getValue());
        }
        return map;
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
            admin.close(Duration.ofSeconds(5));
        } finally {
            EmbeddedKafka$.MODULE$.stop();
        }
    }

    /** A new topic with a unique name. */
    String topic(String prefix, int partitions) throws Exception {
        return topic(prefix, partitions, Map.of());
    }

    /** A new topic with a unique name and these topic configs (e.g. {@code max.message.bytes}). */
    String topic(String prefix, int partitions, Map<String, String> configs) throws Exception {
        return create(absentTopic(prefix), partitions, configs);
    }

    /** A name no topic has (yet). */
    static String absentTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates the topic {@code name} and waits until the broker hosts every partition. */
    String create(String name, int partitions, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        // Wait until the broker hosts every partition (ListOffsets answers from the partition itself), so that the
        // first sends do not race the topic's creation.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                endOffsets(name, partitions);
                return name;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + name + " is not ready after 30 s", e);
                }
                Thread.sleep(20);
            }
        }
    }

    RecordMetadata send(String topic, int partition, String key, String value) throws Exception {
        return send(new ProducerRecord<>(topic, partition, bytes(key), bytes(value)));
    }

    RecordMetadata send(ProducerRecord<byte[], byte[]> record) throws Exception {
        return producer.send(record).get();
    }

    /** Sends all, in order, and waits for every acknowledgement. */
    void sendAll(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> record : records) {
            sent.add(producer.send(record));
        }
        for (Future<RecordMetadata> result : sent) {
            result.get();
        }
    }

    /** The group's committed offsets per partition (absent: none committed). */
    Map<TopicPartition, Long> committed(String groupId) throws Exception {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> found = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get();
        found.forEach((partition, offset) -> {
            if (offset != null) {
                offsets.put(partition, offset.offset());
            }
        });
        return offsets;
    }

    /** Each partition's end offset. */
    Map<TopicPartition, Long> endOffsets(String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(request).all().get().forEach((partition, info) -> ends.put(partition, info.offset()));
        return ends;
    }

    /** Reads every record of a topic from the start until {@code count} are read (a fresh group each call). */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}

package io.esm4j.worker.local;

import io.esm4j.worker.WorkerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka in this process (an embedded KRaft broker): one topic of two partitions mapped to a Java Kafka handler. */
final class KafkaDemo implements DemoSource {

    static final String TOPIC = "esm4j-demo-kafka";

    private final EmbeddedKafkaBroker broker;

    private KafkaDemo(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    static KafkaDemo start() throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
        } catch (Exception e) {
            broker.close();
            throw e;
        }
        return new KafkaDemo(broker);
    }

    @Override
    public String server() {
        return "Kafka: embedded broker at " + broker.bootstrapServers() + ", topic " + TOPIC;
    }

    @Override
    public String functions() {
        return """
                  demo-kafka:
                    Handler: %s
                """.formatted(DemoKafkaHandler.class.getName());
    }

    @Override
    public String mappings() {
        return """
                  - FunctionName: demo-kafka
                    SelfManagedEventSource:
                      Endpoints:
                        KAFKA_BOOTSTRAP_SERVERS: ["%s"]
                    Topics: [%s]
                    SelfManagedKafkaEventSourceConfig:
                      ConsumerGroupId: esm4j-demo
                    StartingPosition: TRIM_HORIZON
                    BatchSize: 5
                """.formatted(broker.bootstrapServers(), TOPIC);
    }

    @Override
    public WorkerOptions configure(WorkerOptions options) {
        return options;
    }

    @Override
    public void send() throws Exception {
        // One request in flight keeps each partition's order without the idempotent producer, whose sequence
        // numbers were seen to wedge on a freshly started embedded broker.
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 1; i <= RECORDS; i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, "customer-" + (i % 3), "invoice-" + i)));
            }
            for (Future<RecordMetadata> result : sent) {
                result.get();
            }
            producer.flush();
        }
    }

    @Override
    public boolean done() {
        return DemoKafkaHandler.HANDLED.get() >= RECORDS;
    }

    @Override
    public String progress() {
        return DemoKafkaHandler.HANDLED.get() + " of " + RECORDS + " Kafka records the Kafka handler";
    }

    @Override
    public void close() {
        broker.close();
    }
}

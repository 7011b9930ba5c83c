package io.esm4j.modulepath;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.failure.FailureRecord;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyKey;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.queue.QueueMessage;
import io.esm4j.settings.QueueSettings;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.Await;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingDestination;
import io.esm4j.testing.SqsLikeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stream and a queue mapping on esm-core's in-memory sources, started, waited for and stopped: what the tests run
 * inside this module and {@link App} runs as a program launched on the module path.
 */
public final class Scenarios {

    private Scenarios() {}

    /**
     * @param handled  the distinct records the handler got
     * @param failures the failure records of what was given up
     */
    public record StreamRun(Set<String> handled, List<FailureRecord> failures) {}

    /**
     * @param deadLetters the bodies in the dead-letter queue
     * @param left        the messages left in the queue
     */
    public record QueueRun(List<String> deadLetters, int left) {}

    /**
     * Eleven records on two shards: eight distinct orders (three sent twice, deduplicated by their JSON
     * {@code /orderId}) and a poison record, which bisection isolates and gives up after one retry.
     */
    public static StreamRun stream(Duration timeout) throws InterruptedException {
        InMemoryStream stream = InMemoryStream.create("orders", 2);
        RecordingDestination failures = new RecordingDestination();
        Set<String> handled = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 10; i++) {
            stream.put("customer-" + (i % 3), "{\"orderId\":\"order-" + (i % 8) + "\"}");
        }
        stream.put("customer-0", "{\"orderId\":\"poison\"}");
        BatchHandler<StreamRecord<byte[]>> handler = batch -> {
            for (StreamRecord<byte[]> record : batch.records()) {
                String data = new String(record.payload(), StandardCharsets.UTF_8);
                if (data.contains("poison")) {
                    throw new IllegalStateException("poison record " + record.sequenceNumber());
                }
                handled.add(data);
            }
            return BatchResult.success();
        };
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("orders", stream, handler)
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).batchSize(4)
                        .bisectBatchOnFunctionError(true).maximumRetryAttempts(1)
                        .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(100))
                        .checkpointInterval(Duration.ZERO).build())
                .idempotency(Idempotency.<StreamRecord<byte[]>>of(new InMemoryIdempotencyStore(100, Clock.systemUTC()))
                        .withKey(IdempotencyKey.jsonPointerInBytes("/orderId", StreamRecord::payload)))
                .onFailure(failures)
                .build();
        mapping.start();
        try {
            Await.checkpointed(mapping, stream, timeout);
        } finally {
            mapping.stop(timeout);
        }
        return new StreamRun(Set.copyOf(handled), failures.received());
    }

    /**
     * A Kafka mapping started against brokers that are not there, and stopped: its start makes the consumer and the
     * poll thread (a consumer that cannot be made fails the start). Returns the state the start left it in.
     */
    public static MappingState kafka(String bootstrapServers, Duration timeout) throws InterruptedException {
        BatchHandler<StreamRecord<KafkaRecord>> handler = batch -> BatchResult.success();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("kafka-orders",
                        Sources.kafka(bootstrapServers), handler)
                .settings(KafkaSource.settings().startingPosition(StartingPosition.LATEST).build()).build();
        mapping.start();
        try {
            return mapping.state();
        } finally {
            mapping.stop(timeout);
        }
    }

    /** Five messages, one of them reported failed every time until the redrive policy moves it. */
    public static QueueRun queue(Duration timeout) throws InterruptedException {
        InMemoryQueue deadLetters = InMemoryQueue.standard("payments-dlq").build();
        InMemoryQueue queue = InMemoryQueue.standard("payments").visibilityTimeout(Duration.ofMillis(200))
                .deadLetterQueue(deadLetters, 2).build();
        for (int i = 0; i < 5; i++) {
            queue.send(i == 3 ? "malformed" : "payment-" + i);
        }
        BatchHandler<QueueMessage<SqsLikeMessage>> handler = batch -> BatchResult.failures(batch.records().stream()
                .filter(message -> message.payload().body().equals("malformed")).map(QueueMessage::messageId)
                .toList());
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.builder("payments", queue, handler)
                .settings(QueueSettings.builder().batchSize(10).reportBatchItemFailures(true)
                        .receiveWaitTime(Duration.ofMillis(100)).build())
                .build();
        mapping.start();
        try {
            Await.drained(mapping, queue, timeout);
        } finally {
            mapping.stop(timeout);
        }
        return new QueueRun(deadLetters.peekAll().stream().map(SqsLikeMessage::body).toList(), queue.size());
    }
}

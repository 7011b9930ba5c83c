package io.esm4j.modulepath;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyKey;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
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
import org.junit.jupiter.api.Test;

/**
 * A stream and a queue mapping started and stopped inside a named module, on the module path: the engine's threads,
 * metrics, failure records written as JSON, idempotency keys read with Jackson, the testing API.
 */
class InMemoryMappingsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void theTestsRunInNamedModulesOfTheBootLayer() {
        assertThat(InMemoryMappingsTest.class.getModule().getName()).isEqualTo("io.esm4j.modulepath");
        assertThat(EventSourceMapping.class.getModule().getName()).isEqualTo("io.esm4j.core");
        assertThat(EventSourceMapping.class.getModule().getLayer()).isSameAs(ModuleLayer.boot());
        // The optional dependencies are not there: what these tests run must not need them.
        assertThat(ModuleLayer.boot().findModule("aws.lambda.java.events")).isEmpty();
        assertThat(ModuleLayer.boot().findModule("software.amazon.awssdk.services.glue")).isEmpty();
    }

    @Test
    void aStreamMappingDeliversDeduplicatesAndSendsAPoisonRecordToItsDestination() throws Exception {
        InMemoryStream stream = InMemoryStream.create("orders", 2);
        RecordingDestination failures = new RecordingDestination();
        Set<String> handled = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 10; i++) {
            stream.put("customer-" + (i % 3), "{\"orderId\":\"order-" + (i % 8) + "\"}");
        }
        stream.put("customer-0", "{\"orderId\":\"poison\"}");
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("orders", stream,
                        (io.esm4j.handler.BatchHandler<StreamRecord<byte[]>>) batch -> {
                            for (StreamRecord<byte[]> record : batch.records()) {
                                String data = new String(record.payload(), StandardCharsets.UTF_8);
                                if (data.contains("poison")) {
                                    throw new IllegalStateException("poison");
                                }
                                handled.add(data);
                            }
                            return BatchResult.success();
                        })
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).batchSize(4)
                        .bisectBatchOnFunctionError(true).maximumRetryAttempts(1)
                        .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(100)).build())
                .idempotency(Idempotency.<StreamRecord<byte[]>>of(new InMemoryIdempotencyStore(100, Clock.systemUTC()))
                        .withKey(IdempotencyKey.jsonPointerInBytes("/orderId", StreamRecord::payload)))
                .onFailure(failures)
                .build();
        mapping.start();
        try {
            Await.checkpointed(mapping, stream, TIMEOUT);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }

        assertThat(handled).hasSize(8);
        FailureRecord failure = failures.received().getFirst();
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RetryAttemptsExhausted);
        JsonNode json = new ObjectMapper().readTree(failure.toJson());
        assertThat(json.path("requestContext").path("condition").asText()).isEqualTo("RetryAttemptsExhausted");
        assertThat(json.path("KinesisBatchInfo").path("batchSize").asInt()).isEqualTo(1);
    }

    @Test
    void aQueueMappingDeletesWhatItHandledAndRedrivesWhatFailed() throws Exception {
        InMemoryQueue deadLetters = InMemoryQueue.standard("payments-dlq").build();
        InMemoryQueue queue = InMemoryQueue.standard("payments").visibilityTimeout(Duration.ofMillis(200))
                .deadLetterQueue(deadLetters, 2).build();
        for (int i = 0; i < 5; i++) {
            queue.send(i == 3 ? "malformed" : "payment-" + i);
        }
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder("payments",
                        queue, batch -> BatchResult.failures(batch.records().stream()
                                .filter(message -> message.payload().body().equals("malformed"))
                                .map(QueueMessage::messageId).toList()))
                .settings(QueueSettings.builder().batchSize(10).reportBatchItemFailures(true)
                        .receiveWaitTime(Duration.ofMillis(100)).build())
                .build();
        mapping.start();
        try {
            Await.drained(mapping, queue, TIMEOUT);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }

        assertThat(deadLetters.peekAll()).extracting(SqsLikeMessage::body).containsExactly("malformed");
        assertThat(List.of(queue.size())).containsExactly(0);
    }
}

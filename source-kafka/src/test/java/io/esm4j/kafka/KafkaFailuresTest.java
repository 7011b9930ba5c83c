package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.FunctionErrorException;
import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.metrics.MetricNames;
import io.esm4j.sinks.FailureDestinations;
import io.esm4j.stream.StreamRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Retries, bisection, item failures, record age, filters and the Kafka failure topic, on a real broker. */
class KafkaFailuresTest extends BrokerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPoisonRecordIsBisectedOutAndWrittenToTheFailureTopicInLambdasShape() throws Exception {
        String topic = broker.topic("payments", 2);
        String failures = broker.topic("payments-failures", 3);
        for (int i = 0; i < 20; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
        String group = "g-" + UUID.randomUUID();
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group).build();
        Recorder handler = new Recorder().behave(batch -> {
            if (batch.records().stream().anyMatch(r -> Recorder.value(r).equals("v7"))) {
                throw new IllegalStateException("poison");
            }
            return BatchResult.success();
        });
        // Through sinks' one way in, as a mappings file would name it; unlimited retries become Lambda's 10.
        try (KafkaFailureTopic failureTopic = (KafkaFailureTopic) FailureDestinations.builder()
                .kafkaTopics(source::failureTopic).build().forArn("payments", "kafka://" + failures)) {
            EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("payments", source, handler)
                    .settings(Fixtures.fast().batchSize(10).bisectBatchOnFunctionError(true).build())
                    .onFailure(failureTopic).build();
            mapping.start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 19);
                await().atMost(Duration.ofSeconds(30)).until(() -> Long.valueOf(20)
                        .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
            } finally {
                Fixtures.stopQuietly(mapping);
            }
        }
        assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value())).doesNotContain("v7")
                .hasSize(19);
        // Bisected down to itself, the poison record was invoked alone 1 + 10 times before it was given up.
        assertThat(handler.invocations.stream().filter(b -> b.records().size() == 1
                && Recorder.value(b.records().getFirst()).equals("v7"))).hasSize(11);
        List<ConsumerRecord<byte[], byte[]>> written = broker.readAll(failures, 1);
        assertThat(written).hasSize(1);
        ConsumerRecord<byte[], byte[]> message = written.getFirst();
        assertThat(KafkaBroker.text(message.key())).isEqualTo(topic + "-0");
        JsonNode record = JSON.readTree(message.value());
        assertThat(record.at("/requestContext/condition").asText()).isEqualTo("RetryAttemptsExhausted");
        // Every invocation it was part of: the whole batch, two halves on the way down, and its own 11.
        assertThat(record.at("/requestContext/approximateInvokeCount").asInt()).isEqualTo(14);
        assertThat(record.at("/requestContext/functionArn").asText()).endsWith(":function:payments");
        assertThat(record.at("/responseContext/functionError").asText()).isEqualTo("Unhandled");
        assertThat(record.at("/version").asText()).isEqualTo("1.0");
        assertThat(record.at("/KafkaBatchInfo/batchSize").asInt()).isEqualTo(1);
        assertThat(record.at("/KafkaBatchInfo/bootstrapServers").asText()).isEqualTo(broker.bootstrapServers);
        assertThat(record.at("/KafkaBatchInfo/recordInfo/offset").asText()).isEqualTo("7");
        JsonNode payload = record.get("payload");
        // The size of the invocation payload: the one-record event the message carries.
        assertThat(record.at("/KafkaBatchInfo/payloadSize").asLong())
                .isEqualTo(JSON.writeValueAsBytes(payload).length);
        assertThat(record.at("/KafkaBatchInfo/recordInfo/timestamp").asText())
                .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
        assertThat(payload.at("/eventSource").asText()).isEqualTo("SelfManagedKafka");
        JsonNode poison = payload.at("/records/" + topic + "-0/0");
        assertThat(poison.get("offset").asLong()).isEqualTo(7);
        assertThat(new String(Base64.getDecoder().decode(poison.get("value").asText()), StandardCharsets.UTF_8))
                .isEqualTo("v7");
        assertThat(new String(Base64.getDecoder().decode(poison.get("key").asText()), StandardCharsets.UTF_8))
                .isEqualTo("k");
    }

    @Test
    void aConsumerInterceptorIsNotGivenToTheFailureTopicsProducer() throws Exception {
        String topic = broker.topic("intercepted", 1);
        String failures = broker.topic("intercepted-failures", 1);
        for (int i = 0; i < 20; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
        String group = "g-" + UUID.randomUUID();
        // A consumer interceptor (left unarmed: it changes nothing), which a producer could not load as its own.
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group)
                .consumerProperty("interceptor.classes", FaultyHeadersInterceptor.class.getName()).build();
        Recorder handler = new Recorder().behave(batch -> {
            if (batch.records().stream().anyMatch(r -> Recorder.value(r).equals("v7"))) {
                throw new IllegalStateException("poison");
            }
            return BatchResult.success();
        });
        try (KafkaFailureTopic failureTopic = source.failureTopic(failures)) {
            EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("intercepted", source, handler)
                    .settings(Fixtures.fast().batchSize(1).maximumRetryAttempts(1).build())
                    .onFailure(failureTopic).build();
            mapping.start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(20)
                        .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
            } finally {
                Fixtures.stopQuietly(mapping);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> written = broker.readAll(failures, 1);
        assertThat(written).hasSize(1);
        assertThat(JSON.readTree(written.getFirst().value()).at("/KafkaBatchInfo/recordInfo/offset").asText())
                .isEqualTo("7");
    }

    @Test
    void itemFailuresRetryFromTheFirstNamedRecordAndAnUnknownOneRetriesTheWholeBatch() throws Exception {
        String topic = broker.topic("items", 1);
        for (int i = 0; i < 10; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
        KafkaSource source = Fixtures.source(broker, topic).build();
        List<List<Long>> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        // A handler written for Lambda: the response is what it would return to Lambda.
        java.util.function.Function<KafkaEvent, Object> function = event -> {
            List<KafkaEvent.KafkaEventRecord> records = event.getRecords().get(topic + "-0");
            events.add(records.stream().map(KafkaEvent.KafkaEventRecord::getOffset).toList());
            return switch (events.size()) {
                case 1 -> Map.of("batchItemFailures", List.of(Map.of("itemIdentifier",
                        Map.of("partition", topic + "-0", "offset", 3))));
                case 2 -> Map.of("batchItemFailures", List.of(Map.of("itemIdentifier",
                        Map.of("partition", topic + "-0", "offset", 999))));
                default -> null;
            };
        };
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("items", source,
                        KafkaLambdaAdapter.of(source, function))
                .settings(Fixtures.fast().batchSize(10).reportBatchItemFailures(true).build()).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> events.size() >= 3);
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        assertThat(events.get(0)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(events.get(1)).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(events.get(2)).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(events).hasSize(3);
    }

    @Test
    void aFailingPartitionBlocksOnlyItselfAndIsNeverCommittedPastItsFailure() throws Exception {
        String topic = broker.topic("blocked", 3);
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i < 5; i++) {
                broker.send(topic, p, "k" + p, "p" + p + "-" + i);
            }
        }
        String group = "g-" + UUID.randomUUID();
        AtomicBoolean healed = new AtomicBoolean();
        Recorder handler = new Recorder().behave(batch -> {
            if (!healed.get() && batch.records().stream().anyMatch(r -> Recorder.value(r).equals("p0-2"))) {
                throw new IllegalStateException("p0-2 fails until healed");
            }
            return BatchResult.success();
        });
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("blocked",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().batchSize(1).build()).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                Map<TopicPartition, Long> committed = broker.committed(group);
                return Long.valueOf(5).equals(committed.get(new TopicPartition(topic, 1)))
                        && Long.valueOf(5).equals(committed.get(new TopicPartition(topic, 2)))
                        && Long.valueOf(2).equals(committed.get(new TopicPartition(topic, 0)));
            });
            // The default retries until success: p0-2 keeps failing, p0-3 and p0-4 wait behind it.
            await().atMost(Duration.ofSeconds(30)).until(() -> handler.invocations.size() >= 20);
            assertThat(broker.committed(group)).containsEntry(new TopicPartition(topic, 0), 2L);
            assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                    .doesNotContain("p0-2", "p0-3", "p0-4");
            healed.set(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> Long.valueOf(5)
                    .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        assertThat(handler.valuesByKey().get("k0")).containsExactly("p0-0", "p0-1", "p0-2", "p0-3", "p0-4");
    }

    @Test
    void aBatchTheFunctionNeverGotIsRetriedWholeWithoutUsingUpRetries() throws Exception {
        String topic = broker.topic("throttled", 1);
        for (int i = 0; i < 4; i++) {
            broker.send(topic, 0, "k", "t" + i);
        }
        String group = "g-" + UUID.randomUUID();
        AtomicInteger calls = new AtomicInteger();
        Recorder handler = new Recorder().behave(batch -> {
            if (calls.incrementAndGet() <= 5) {
                throw new FunctionNotInvokedException("Rate exceeded (TooManyRequestsException)");
            }
            return BatchResult.success();
        });
        CollectingDestination destination = new CollectingDestination();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("throttled",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().maximumRetryAttempts(0).bisectBatchOnFunctionError(true).build())
                .onFailure(destination).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(4)
                    .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        // Five rounds the function never got, each with the whole first batch: no retry used up, no halves.
        List<StreamRecord<KafkaRecord>> first = handler.invocations.getFirst().records();
        assertThat(handler.invocations.subList(0, 6)).allSatisfy(batch -> {
            assertThat(batch.records()).isEqualTo(first);
            assertThat(batch.approximateInvokeCount()).isEqualTo(1);
        });
        assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                .containsExactly("t0", "t1", "t2", "t3");
        assertThat(destination.received).isEmpty();
    }

    /** Runs {@code records} records of a new topic through {@code handler}, without retries, to one failure record. */
    private static FailureRecord givenUpOnce(String name, int records, BatchHandler<StreamRecord<KafkaRecord>> handler)
            throws Exception {
        String topic = broker.topic(name, 1);
        for (int i = 0; i < records; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
        CollectingDestination destination = new CollectingDestination();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name, Fixtures.source(broker, topic)
                        .build(), handler)
                .settings(Fixtures.fast().maximumRetryAttempts(0).reportBatchItemFailures(true).build())
                .onFailure(destination).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !destination.received.isEmpty());
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        assertThat(destination.received).hasSize(1);
        return destination.received.getFirst();
    }

    @Test
    void aFunctionErrorWithItsInvokeResponseShowsTheVersionThatRan() throws Exception {
        // A handler that invokes my-fn:live, an alias of version 7.
        FailureRecord failure = givenUpOnce("version-error", 1, batch -> {
            throw new FunctionErrorException("my-fn:live failed",
                    new FailureRecord.ResponseContext(200, "7", "Unhandled"));
        });

        JsonNode response = JSON.readTree(failure.toJson()).get("responseContext");
        assertThat(response.get("statusCode").asInt()).isEqualTo(200);
        assertThat(response.get("executedVersion").asText()).isEqualTo("7");
        assertThat(response.get("functionError").asText()).isEqualTo("Unhandled");
    }

    @Test
    void itemFailuresWithTheirInvokeResponseShowTheVersionThatRan() throws Exception {
        FailureRecord failure = givenUpOnce("version-items", 2, batch -> {
            // Offset 1 fails whenever it is in the batch (the first poll may bring offset 0 alone).
            StreamRecord<KafkaRecord> last = batch.records().getLast();
            return last.payload().offset() != 1 ? BatchResult.success()
                    : BatchResult.failures(Map.of("partition", last.shardId(), "offset", 1L))
                            .withResponse(new FailureRecord.ResponseContext(200, "7", null));
        });

        JsonNode response = JSON.readTree(failure.toJson()).get("responseContext");
        assertThat(response.get("executedVersion").asText()).isEqualTo("7");
        assertThat(response.get("functionError").isNull()).isTrue();
    }

    @Test
    void recordsOlderThanMaximumRecordAgeAreGivenUpWithoutAnInvocation() throws Exception {
        String topic = broker.topic("old", 1);
        long twoHoursAgo = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
        for (int i = 0; i < 3; i++) {
            broker.send(new ProducerRecord<>(topic, 0, twoHoursAgo + i, KafkaBroker.bytes("k"),
                    KafkaBroker.bytes("old" + i)));
        }
        broker.send(topic, 0, "k", "fresh");
        CollectingDestination destination = new CollectingDestination();
        Recorder handler = new Recorder();
        KafkaSource source = Fixtures.source(broker, topic).build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("old", source, handler)
                .settings(Fixtures.fast().maximumRecordAgeInSeconds(60).build()).onFailure(destination).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 1
                    && !destination.received.isEmpty());
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value())).containsExactly("fresh");
        FailureRecord failure = destination.received.getFirst();
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
        JsonNode json = JSON.readTree(failure.toJson());
        assertThat(json.has("responseContext")).isFalse();
        JsonNode info = json.get("KafkaBatchInfo");
        assertThat(info.get("batchSize").asInt()).isEqualTo(3);
        assertThat(info.get("bootstrapServers").asText()).isEqualTo(broker.bootstrapServers);
        assertThat(info.at("/recordsInfo/" + topic + "-0/firstRecordOffset").asText()).isEqualTo("0");
        assertThat(info.at("/recordsInfo/" + topic + "-0/lastRecordOffset").asText()).isEqualTo("2");
        assertThat(info.at("/recordsInfo/" + topic + "-0/firstRecordTimestamp").asText())
                .isEqualTo(java.time.Instant.ofEpochMilli(twoHoursAgo).toString());
        assertThat(source.eventJson(failure.records().stream()
                .map(r -> ((StreamRecord<?>) r).payload()).map(KafkaRecord.class::cast).toList()))
                .contains("\"" + topic + "-0\":[{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":0,");
    }

    @Test
    void filtersMatchTheJsonValueAndFilteredOutRecordsAreCommitted() throws Exception {
        String topic = broker.topic("filtered", 1);
        List<String> values = List.of("{\"type\":\"order\",\"n\":1}", "{\"type\":\"refund\",\"n\":2}", "plain text",
                "{\"type\":\"order\",\"n\":3}");
        for (String value : values) {
            broker.send(topic, 0, "k", value);
        }
        String group = "g-" + UUID.randomUUID();
        Recorder handler = new Recorder();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("filtered",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().build())
                .filterCriteria(FilterCriteria.of(List.of("{\"value\":{\"type\":[\"order\"]}}")))
                .meterRegistry(registry).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(4)
                    .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
            assertThat(registry.get(MetricNames.FILTERED_OUT_EVENT_COUNT).counter().count()).isEqualTo(2);
            assertThat(registry.get(KafkaMetricNames.COMMITTED_EVENT_COUNT).counter().count()).isEqualTo(4);
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        List<String> handled = new ArrayList<>();
        handler.succeeded.forEach(r -> handled.add(KafkaBroker.text(r.value())));
        assertThat(handled).containsExactly(values.get(0), values.get(3));
    }
}

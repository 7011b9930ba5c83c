package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.internal.MappingLogName;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testsupport.LogCapture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The order and the count of a failure record's messages, on a MockProducer that refuses some sends. */
class KafkaFailureTopicTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FAILURES = "failures";
    private final KafkaSource source = KafkaSource.builder().bootstrapServers("127.0.0.1:9").topics("orders").build();

    @Test
    void aMessageSentAgainWithoutItsPayloadKeepsItsPlaceBeforeTheNextRecordsMessages() throws Exception {
        // As max.request.size refuses a message of a large record.
        RefusingProducer producer = new RefusingProducer((call, message) -> message.value().length > 2_000
                ? new RecordTooLargeException("injected: the message is too large") : null);
        try (KafkaFailureTopic failures = new KafkaFailureTopic(source, FAILURES, properties -> producer)) {
            failures.send(failure(record(0, 3_000), record(1, 10), record(2, 10)));
        }
        List<JsonNode> written = written(producer);
        assertThat(written).extracting(message -> message.at("/KafkaBatchInfo/recordInfo/offset").asText())
                .containsExactly("0", "1", "2");
        assertThat(written).extracting(message -> message.has("payload")).containsExactly(false, true, true);
    }

    /**
     * A destination may serve several mappings and is built before them: the engine's thread that sends says which
     * mapping the line is about (with hundreds, a line without it cannot be acted on).
     */
    @Test
    void aMessageSentWithoutItsPayloadIsLoggedWithTheMappingThatSentIt() throws Exception {
        RefusingProducer producer = new RefusingProducer((call, message) -> message.value().length > 2_000
                ? new RecordTooLargeException("injected: the message is too large") : null);
        try (LogCapture log = new LogCapture(KafkaFailureTopic.class);
             KafkaFailureTopic failures = new KafkaFailureTopic(source, FAILURES, properties -> producer)) {
            AtomicReference<Exception> thrown = new AtomicReference<>();
            MappingLogName.bound("orders-to-billing", () -> {
                try {
                    failures.send(failure(record(0, 3_000)));
                } catch (Exception e) {
                    thrown.set(e);
                }
            }).run();
            assertThat(thrown).hasNullValue();
            assertThat(log.lines("WARN", "sent without it")).singleElement().asString()
                    .contains("mapping=orders-to-billing", "topic=" + FAILURES);
        }
    }

    /**
     * Lambda's example of a Kafka destination's message ("Record format for a Kafka destination",
     * https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html): the same fields, in the same
     * order and of the same JSON types, down to the record in the payload, whose fields the example lists by name.
     * Values are not compared: the example's condition ({@code RetriesExhausted}) and qualified function ARN differ
     * from Lambda's other failure records and are not taken as the shape.
     */
    @Test
    void aMessageHasTheShapeOfLambdasDocumentedKafkaDestinationRecord() throws Exception {
        KafkaSource msk = KafkaSource.builder()
                .bootstrapServers("b-1.mycluster.abc123.kafka.us-east-1.amazonaws.com:9098").topics("my-topic")
                .eventSourceArn("arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/abc123").build();
        KafkaRecord kafkaRecord = new KafkaRecord("my-topic", 0, 100, 1749116692330L, "CREATE_TIME",
                KafkaBroker.bytes("test-key"), KafkaBroker.bytes("test-value"), List.of(), null, null);
        StreamRecord<KafkaRecord> record = StreamRecord.numbered("my-topic-0", 100, null,
                Instant.ofEpochMilli(kafkaRecord.timestamp()), 10, kafkaRecord);
        FailureRecord failure = new FailureRecord(new FailureRecord.RequestContext(UUID.randomUUID().toString(),
                "arn:aws:lambda:us-east-1:123456789012:function:my-function", FailureCondition.RetryAttemptsExhausted,
                3), FailureRecord.ResponseContext.unhandled(), Instant.now(), KafkaBatchInfo.of(msk, List.of(record)),
                List.of(record));
        RefusingProducer producer = new RefusingProducer((call, message) -> null);
        try (KafkaFailureTopic failures = new KafkaFailureTopic(msk, FAILURES, properties -> producer)) {
            failures.send(failure);
        }
        JsonNode documented = JSON.readTree("""
                {"requestContext": {"requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
                   "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST",
                   "condition": "RetriesExhausted", "approximateInvokeCount": 3},
                 "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
                 "version": "1.0",
                 "timestamp": "2019-11-14T18:16:05.568Z",
                 "KafkaBatchInfo": {"batchSize": 1,
                   "eventSourceArn": "arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/abc123",
                   "bootstrapServers": "b-1.mycluster.abc123.kafka.us-east-1.amazonaws.com:9098",
                   "payloadSize": 1162,
                   "recordInfo": {"offset": "49601189658422359378836298521827638475320189012309704722",
                     "timestamp": "2019-11-14T18:16:04.835Z"}},
                 "payload": {"bootstrapServers": "b-1.mycluster.abc123.kafka.us-east-1.amazonaws.com:9098",
                   "eventSource": "aws:kafka",
                   "eventSourceArn": "arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/abc123",
                   "records": {"my-topic-0": [{"headers": [], "key": "dGVzdC1rZXk=", "offset": 100, "partition": 0,
                     "timestamp": 1749116692330, "timestampType": "CREATE_TIME", "topic": "my-topic",
                     "value": "dGVzdC12YWx1ZQ=="}]}}}
                """);
        JsonNode written = written(producer).getFirst();
        assertThat(shape(written, "$")).isEqualTo(shape(documented, "$"));
        assertThat(written.get("payload")).isEqualTo(documented.get("payload"));
        assertThat(new String(producer.history().getFirst().key(), StandardCharsets.UTF_8))
                .isEqualTo("my-topic-0");
    }

    /**
     * Lambda's Kafka failure record of a record too large to invoke has {@code "responseContext": null} (its SQS, SNS
     * and S3 example), in its place between requestContext and version: in the JSON the sinks send, and in the failure
     * topic's message. Its other never-invoked records, as the streams', have none.
     */
    @Test
    void aRecordTooLargeToInvokeHasANullResponseContextAsInLambdasKafkaRecord() throws Exception {
        StreamRecord<KafkaRecord> record = record(7, 10);
        FailureRecord oversized = new FailureRecord(new FailureRecord.RequestContext(UUID.randomUUID().toString(),
                "arn:aws:lambda:eu-west-1:123456789012:function:orders", FailureCondition.MaximumPayloadSizeExceeded,
                0), null, Instant.now(), KafkaBatchInfo.of(source, List.of(record)), List.of(record));
        RefusingProducer producer = new RefusingProducer((call, message) -> null);
        try (KafkaFailureTopic failures = new KafkaFailureTopic(source, FAILURES, properties -> producer)) {
            failures.send(oversized);
        }

        for (JsonNode written : List.of(JSON.readTree(oversized.toJson()), written(producer).getFirst())) {
            assertThat(written.has("responseContext")).isTrue();
            assertThat(written.get("responseContext").isNull()).isTrue();
            List<String> fields = new ArrayList<>();
            written.fieldNames().forEachRemaining(fields::add);
            assertThat(fields.subList(0, 5)).containsExactly("requestContext", "responseContext", "version",
                    "timestamp", "KafkaBatchInfo");
        }
        FailureRecord tooOld = new FailureRecord(new FailureRecord.RequestContext(UUID.randomUUID().toString(),
                "arn:aws:lambda:eu-west-1:123456789012:function:orders", FailureCondition.RecordAgeExceeded, 0),
                null, Instant.now(), KafkaBatchInfo.of(source, List.of(record)), List.of(record));
        assertThat(JSON.readTree(tooOld.toJson()).has("responseContext")).isFalse();
    }

    /** One line per node: its path and JSON type, in document order, into objects and arrays. */
    private static List<String> shape(JsonNode node, String path) {
        List<String> lines = new ArrayList<>();
        lines.add(path + " " + node.getNodeType());
        if (node.isObject()) {
            node.properties().forEach(field -> lines.addAll(shape(field.getValue(), path + "." + field.getKey())));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                lines.addAll(shape(node.get(i), path + "[" + i + "]"));
            }
        }
        return lines;
    }

    @Test
    void aDeliveryRetriedAfterAFailurePartWayWritesOnlyTheMessagesNotWrittenYet() throws Exception {
        RefusingProducer producer = new RefusingProducer((call, message) -> call == 2
                ? new TimeoutException("injected: no acknowledgement in time") : null);
        FailureRecord failure = failure(record(0, 10), record(1, 10), record(2, 10));
        try (KafkaFailureTopic failures = new KafkaFailureTopic(source, FAILURES, properties -> producer)) {
            assertThatThrownBy(() -> failures.send(failure)).hasMessageContaining("injected");
            // The engine retries the same failure record.
            failures.send(failure);
        }
        assertThat(written(producer)).extracting(message -> message.at("/KafkaBatchInfo/recordInfo/offset").asText())
                .containsExactly("0", "1", "2");
    }

    /**
     * Lambda's pattern for a {@code kafka://} topic takes any first character but '.'; Kafka takes only letters,
     * digits, '.', '_' and '-' in a topic's name, so a topic such as {@code #orders} was taken and the cluster then
     * refused every delivery, holding the partition. Refused as sinks' FailureDestinations refuses it.
     */
    @Test
    void aTopicNameKafkaWouldRefuseIsRefusedWhenTheDestinationIsMade() {
        for (String topic : List.of("#orders", " orders", "$orders", "\u00f6", "/orders", ".orders", "", "a b",
                "o".repeat(250))) {
            assertThatThrownBy(() -> source.failureTopic(topic)).as(topic)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("on-failure destination 'kafka://" + topic + "' is not a valid Kafka topic: 1-249 "
                            + "letters, digits, '.', '_' or '-', not starting with '.'");
        }
        assertThat(source.failureTopic("_orders.failures-1").topic()).isEqualTo("_orders.failures-1");
        assertThat(source.failureTopic("-").topic()).isEqualTo("-");
        assertThat(source.failureTopic("o".repeat(249)).topic()).hasSize(249);
    }

    @Test
    void theProducerIsNamedAfterItsTopicInItsOwnLogLines() {
        assertThat(new KafkaFailureTopic(source, FAILURES).producerProperties().get("client.id")).asString()
                .matches("esm4j-failure-topic-failures-\\d+");
    }

    /** KafkaProducer's constructor resolves the bootstrap servers (DNS); close() must not wait on it under a lock. */
    @Test
    void closingDoesNotWaitForAProducerBeingMadeAndThatProducerIsClosed() throws Exception {
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RefusingProducer producer = new RefusingProducer((call, message) -> null);
        KafkaFailureTopic failures = new KafkaFailureTopic(source, FAILURES, properties -> {
            making.countDown();
            awaitQuietly(release);
            return producer;
        });
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            Future<?> send = executor.submit(() -> {
                failures.send(failure(record(0, 10)));
                return null;
            });
            assertThat(making.await(30, TimeUnit.SECONDS)).isTrue();
            Future<?> close = executor.submit(failures::close);
            await().atMost(Duration.ofSeconds(30)).until(close::isDone);
            close.get();

            release.countDown();
            assertThatThrownBy(send::get).hasCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Kafka failure topic 'failures' is closed");
            assertThat(producer.closed()).as("the producer made for a closed topic is closed").isTrue();
            assertThat(producer.history()).isEmpty();
        } finally {
            release.countDown();
            executor.shutdownNow();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SafeVarargs
    private FailureRecord failure(StreamRecord<KafkaRecord>... records) {
        List<StreamRecord<KafkaRecord>> all = List.of(records);
        return new FailureRecord(new FailureRecord.RequestContext(UUID.randomUUID().toString(),
                "arn:aws:lambda:eu-west-1:123456789012:function:orders", FailureCondition.RetryAttemptsExhausted, 3),
                FailureRecord.ResponseContext.unhandled(), Instant.now(), KafkaBatchInfo.of(source, all), all);
    }

    private static StreamRecord<KafkaRecord> record(long offset, int valueBytes) {
        KafkaRecord payload = new KafkaRecord("orders", 0, offset, 1_700_000_000_000L, "CREATE_TIME",
                KafkaBroker.bytes("k"), new byte[valueBytes], List.of(), null, null);
        return StreamRecord.numbered("orders-0", offset, null, Instant.ofEpochMilli(payload.timestamp()),
                valueBytes, payload);
    }

    private static List<JsonNode> written(RefusingProducer producer) {
        return producer.history().stream().map(message -> {
            try {
                return JSON.readTree(message.value());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    /** A broker out of reach must not hold the mapping's stop for the producer's delivery timeout (120 s). */
    @Test
    void closingWaitsForAMessageInFlightAtMostTheCloseTimeout() throws Exception {
        RefusingProducer producer = new RefusingProducer((call, message) -> null);
        try (KafkaFailureTopic failures = new KafkaFailureTopic(source, FAILURES, properties -> producer)) {
            failures.send(failure(record(0, 10)));
        }
        assertThat(producer.closeTimeouts).containsExactly(KafkaFailureTopic.CLOSE_TIMEOUT);
    }

    /** Fails the sends the rule names (given the call's number from 1 and the message) as the broker would. */
    private static final class RefusingProducer extends MockProducer<byte[], byte[]> {

        private final BiFunction<Integer, ProducerRecord<byte[], byte[]>, RuntimeException> refusal;
        private int calls;
        /** How long each close would wait: KafkaProducer's close() waits for ever. */
        final List<Duration> closeTimeouts = new ArrayList<>();

        RefusingProducer(BiFunction<Integer, ProducerRecord<byte[], byte[]>, RuntimeException> refusal) {
            super(oneTopic(), true, null, new ByteArraySerializer(), new ByteArraySerializer());
            this.refusal = refusal;
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            RuntimeException refused = refusal.apply(++calls, record);
            return refused != null ? CompletableFuture.failedFuture(refused) : super.send(record, callback);
        }

        @Override
        public void close() {
            closeTimeouts.add(Duration.ofMillis(Long.MAX_VALUE));
            super.close();
        }

        @Override
        public void close(Duration timeout) {
            closeTimeouts.add(timeout);
            super.close(timeout);
        }

        private static Cluster oneTopic() {
            Node node = new Node(0, "127.0.0.1", 9);
            return new Cluster("mock", List.of(node), List.of(new PartitionInfo(FAILURES, 0, node,
                    new Node[] {node}, new Node[] {node})), Set.of(), Set.of());
        }
    }
}

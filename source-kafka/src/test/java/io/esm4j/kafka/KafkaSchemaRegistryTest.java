package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.kafka.KafkaSchemaRegistry.Attribute;
import io.esm4j.kafka.KafkaSchemaRegistry.EventRecordFormat;
import io.esm4j.kafka.internal.schema.FakeGlueRegistry;
import io.esm4j.kafka.internal.schema.FakeSchemaRegistry;
import io.esm4j.kafka.internal.schema.FakeSchemaRegistry.Answer;
import io.esm4j.kafka.internal.schema.FakeSchemaRegistry.Ref;
import io.esm4j.metrics.MetricNames;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testsupport.TestCertificates;
import io.esm4j.testsupport.TestCertificates.Identity;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.glue.GlueClient;

/**
 * A schema registry on a real broker: Avro and Protobuf values delivered as JSON (or as their bytes without the
 * framing) with Lambda's schema metadata, records whose schema is unknown or that do not decode given up with their
 * condition,
 * filters on the decoded value, a registry that is down holding its partition back, in order, until it answers, and
 * one that takes only clients with a certificate it trusts (mutual TLS).
 */
class KafkaSchemaRegistryTest extends BrokerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORDER_SCHEMA = """
            {"type": "record", "name": "Order", "fields": [
              {"name": "id", "type": "long"}, {"name": "status", "type": "string"}]}""";
    private static final Schema ORDER = new Schema.Parser().parse(ORDER_SCHEMA);
    private static FakeSchemaRegistry registry;

    @BeforeAll
    static void startRegistry() throws IOException {
        registry = new FakeSchemaRegistry("");
        registry.answer(1, FakeSchemaRegistry.schema(null, ORDER_SCHEMA));
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void avroValuesReachTheHandlerAsJsonAndUndeliverableOnesTheDestinationWithTheirCondition() throws Exception {
        String topic = broker.topic("orders", 1);
        byte[] valid = framed(1, order(1, "PAID"));
        broker.sendAll(List.of(
                record(topic, "a", valid),
                record(topic, "b", framed(99, order(2, "PAID"))),                    // no schema 99
                record(topic, "c", "{\"id\":3}".getBytes(StandardCharsets.UTF_8)),  // not framed
                record(topic, "d", framed(1, order(4, "NEW"))),
                record(topic, "e", Arrays.copyOf(valid, valid.length - 2)),           // truncated
                record(topic, "f", null)));                                          // a tombstone
        CollectingDestination destination = new CollectingDestination();
        Recorder handler = new Recorder();

        KafkaSource source = run(values(EventRecordFormat.JSON), handler, destination, topic, 6, null);

        assertThat(handler.succeeded).extracting(record -> KafkaBroker.text(record.key())).containsExactly("a", "d",
                "f");
        assertThat(handler.succeeded.get(0).value()).asString(StandardCharsets.UTF_8)
                .isEqualTo("{\"id\":1,\"status\":\"PAID\"}");
        assertThat(handler.succeeded.get(0).valueSchemaMetadata()).isEqualTo(new KafkaSchemaMetadata("AVRO", "1"));
        assertThat(handler.succeeded.get(0).keySchemaMetadata()).isNull();
        assertThat(handler.succeeded.get(2).value()).isNull();
        assertThat(handler.succeeded.get(2).valueSchemaMetadata()).isNull();
        // Lambda's event: the JSON text in base64, and the schema metadata after the headers.
        JsonNode event = JSON.readTree(source.eventJson(List.of(handler.succeeded.get(0))));
        JsonNode first = event.at("/records/" + topic + "-0/0");
        assertThat(new String(Base64.getDecoder().decode(first.get("value").asText()), StandardCharsets.UTF_8))
                .isEqualTo("{\"id\":1,\"status\":\"PAID\"}");
        assertThat(first.get("valueSchemaMetadata").toString())
                .isEqualTo("{\"dataFormat\":\"AVRO\",\"schemaId\":\"1\"}");
        // One failure record per condition of a batch, each with the records as they were read, framing and all.
        assertThat(destination.received).hasSize(2).allSatisfy(failure -> assertThat(failure.responseContext())
                .isNull());
        assertThat(givenUp(destination)).containsExactlyInAnyOrder("SchemaNotFound b", "DeserializationError c", "DeserializationError e");
        FailureRecord unknown = destination.received.stream()
                .filter(failure -> failure.requestContext().condition() == FailureCondition.SchemaNotFound)
                .findFirst().orElseThrow();
        assertThat(((StreamRecord<KafkaRecord>) unknown.records().getFirst()).payload().value())
                .isEqualTo(framed(99, order(2, "PAID")));
    }

    @Test
    void sourceFormatDeliversTheBytesWithoutTheFramingAndFiltersSeeTheDecodedValue() throws Exception {
        String topic = broker.topic("source-format", 1);
        broker.sendAll(List.of(record(topic, "a", framed(1, order(1, "PAID"))),
                record(topic, "b", framed(1, order(2, "NEW")))));
        Recorder filtered = new Recorder();
        run(values(EventRecordFormat.JSON), filtered, new CollectingDestination(), topic, 2,
                FilterCriteria.of(List.of("{\"value\":{\"status\":[\"PAID\"]}}")));
        assertThat(filtered.succeeded).extracting(record -> KafkaBroker.text(record.key())).containsExactly("a");

        // Validated in SOURCE format too: a datum that does not decode is given up.
        byte[] valid = framed(1, order(3, "PAID"));
        broker.send(record(topic, "c", Arrays.copyOf(valid, valid.length - 2)));
        Recorder handler = new Recorder();
        CollectingDestination destination = new CollectingDestination();
        run(values(EventRecordFormat.SOURCE), handler, destination, topic, 3, null);
        assertThat(handler.succeeded).hasSize(2);
        assertThat(handler.succeeded.getFirst().value()).isEqualTo(avro(order(1, "PAID")));
        assertThat(handler.succeeded.getFirst().valueSchemaMetadata()).isEqualTo(new KafkaSchemaMetadata("AVRO", "1"));
        assertThat(destination.received).singleElement().satisfies(failure -> assertThat(
                failure.requestContext().condition()).isEqualTo(FailureCondition.DeserializationError));
    }

    /**
     * Lambda filters on the value its schema decodes to, whatever form the handler gets it in: in SOURCE format the
     * handler gets the Avro bytes, but a JSON pattern still selects on the decoded fields.
     */
    @Test
    void sourceFormatFiltersOnTheDecodedValueAndDeliversTheBytes() throws Exception {
        String topic = broker.topic("source-filtered", 1);
        broker.sendAll(List.of(record(topic, "a", framed(1, order(1, "PAID"))),
                record(topic, "b", framed(1, order(2, "NEW"))),
                record(topic, "c", framed(1, order(3, "PAID")))));
        Recorder handler = new Recorder();

        run(values(EventRecordFormat.SOURCE), handler, new CollectingDestination(), topic, 3,
                FilterCriteria.of(List.of("{\"value\":{\"status\":[\"PAID\"]}}")));

        assertThat(handler.succeeded).extracting(record -> KafkaBroker.text(record.key())).containsExactly("a", "c");
        assertThat(handler.succeeded.getFirst().value()).isEqualTo(avro(order(1, "PAID")));
    }

    @Test
    void jsonSchemaValuesAreCheckedAgainstTheirSchema() throws Exception {
        registry.answer(3, FakeSchemaRegistry.schema("JSON", """
                {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}"""));
        String topic = broker.topic("json-schema", 1);
        broker.sendAll(List.of(record(topic, "a", framedJson(3, "{\"id\": 1}")),
                record(topic, "b", framedJson(3, "{\"id\": \"one\"}")),
                record(topic, "c", framedJson(3, "{\"id\": 3}"))));
        Recorder handler = new Recorder();
        CollectingDestination destination = new CollectingDestination();

        run(values(EventRecordFormat.JSON), handler, destination, topic, 3, null);

        assertThat(handler.succeeded).extracting(record -> KafkaBroker.text(record.value()))
                .containsExactly("{\"id\": 1}", "{\"id\": 3}");
        assertThat(handler.succeeded.getFirst().valueSchemaMetadata()).isEqualTo(new KafkaSchemaMetadata("JSON", "3"));
        assertThat(destination.received).singleElement().satisfies(failure -> assertThat(
                failure.requestContext().condition()).isEqualTo(FailureCondition.DeserializationError));
    }

    @Test
    void protobufValuesReachTheHandlerAsJsonOrAsTheirBytesAndOnesThatDoNotDecodeAreGivenUp() throws Exception {
        registry.answer(4, FakeSchemaRegistry.schema("PROTOBUF", """
                syntax = "proto3";
                package shop;
                import "google/protobuf/timestamp.proto";
                message Order { int64 id = 1; string status = 2; google.protobuf.Timestamp paid_at = 3; }
                """));
        String topic = broker.topic("protobuf", 1);
        // Message index 0 (the first message), then id = 1, status = "PAID", paid_at = 1,700,000,000 s.
        byte[] order = {0, 0x08, 0x01, 0x12, 0x04, 'P', 'A', 'I', 'D', 0x1a, 0x06, 0x08, (byte) 0x80, (byte) 0xe2,
                (byte) 0xcf, (byte) 0xaa, 0x06};
        broker.sendAll(List.of(record(topic, "a", framedBytes(4, order)),
                record(topic, "b", framedBytes(4, Arrays.copyOf(order, order.length - 3))),   // truncated
                record(topic, "c", framedBytes(4, new byte[] {0, 0x08, 0x02}))));
        Recorder handler = new Recorder();
        CollectingDestination destination = new CollectingDestination();

        run(values(EventRecordFormat.JSON), handler, destination, topic, 3,
                FilterCriteria.of(List.of("{\"value\":{\"status\":[\"PAID\"]}}")));

        assertThat(handler.succeeded).singleElement().satisfies(record -> {
            assertThat(record.value()).asString(StandardCharsets.UTF_8)
                    .isEqualTo("{\"id\":\"1\",\"status\":\"PAID\",\"paidAt\":\"2023-11-14T22:13:20Z\"}");
            assertThat(record.valueSchemaMetadata()).isEqualTo(new KafkaSchemaMetadata("PROTOBUF", "4"));
        });
        assertThat(destination.received).singleElement().satisfies(failure -> assertThat(
                failure.requestContext().condition()).isEqualTo(FailureCondition.DeserializationError));

        // SOURCE: the message indexes and the message as written, checked all the same.
        Recorder source = new Recorder();
        CollectingDestination sourceDestination = new CollectingDestination();
        run(values(EventRecordFormat.SOURCE), source, sourceDestination, topic, 3, null);
        assertThat(source.succeeded).extracting(KafkaRecord::value).containsExactly(order,
                new byte[] {0, 0x08, 0x02});
        assertThat(sourceDestination.received).hasSize(1);
    }

    @Test
    void aSchemaReferencingAnotherSubjectDecodesWithItAndOneWhoseReferenceIsGoneIsNotFound() throws Exception {
        String money = """
                {"type": "record", "name": "Money", "namespace": "common",
                 "fields": [{"name": "cents", "type": "long"}]}""";
        String refund = """
                {"type": "record", "name": "Refund", "fields": [{"name": "amount", "type": "common.Money"}]}""";
        registry.answerSubject("money", 1, new Answer(200, "{\"subject\":\"money\",\"version\":1,\"id\":20,"
                + "\"schema\":" + JSON.writeValueAsString(money) + "}"));
        registry.answer(21, FakeSchemaRegistry.schema(null, refund, new Ref("common.Money", "money", 1)));
        registry.answer(22, FakeSchemaRegistry.schema(null, refund, new Ref("common.Money", "money", 2)));
        String topic = broker.topic("references", 1);
        byte[] datum = {(byte) 0xf4, 0x03};  // cents = 250, zigzag varint
        broker.sendAll(List.of(record(topic, "a", framedBytes(21, datum)), record(topic, "b",
                framedBytes(22, datum))));
        Recorder handler = new Recorder();
        CollectingDestination destination = new CollectingDestination();

        run(values(EventRecordFormat.JSON), handler, destination, topic, 2, null);

        assertThat(handler.succeeded).singleElement().satisfies(record -> assertThat(record.value())
                .asString(StandardCharsets.UTF_8).isEqualTo("{\"amount\":{\"cents\":250}}"));
        assertThat(destination.received).singleElement().satisfies(failure -> assertThat(
                failure.requestContext().condition()).isEqualTo(FailureCondition.SchemaNotFound));
    }

    @Test
    void anAwsGlueRegistrysRecordsAreReadWithItsFramingCompressedOrNot() throws Exception {
        try (FakeGlueRegistry glue = new FakeGlueRegistry(); GlueClient client = glue.client()) {
            UUID avro = glue.register("shop", "orders", "AVRO", ORDER_SCHEMA, "AVAILABLE");
            UUID json = glue.register("shop", "refunds", "JSON", "{\"type\": \"object\", \"required\": [\"id\"]}",
                    "AVAILABLE");
            UUID proto = glue.register("shop", "events", "PROTOBUF", """
                    syntax = "proto3";
                    message Event { message Detail { string text = 1; } map<string, int32> counts = 2; }
                    message Audit { string who = 1; }
                    """, "AVAILABLE");
            UUID elsewhere = glue.register("other", "orders", "AVRO", ORDER_SCHEMA, "AVAILABLE");
            String topic = broker.topic("glue", 1);
            byte[] order = avro(order(1, "PAID"));
            broker.sendAll(List.of(
                    record(topic, "a", FakeGlueRegistry.framed(avro, order, false)),
                    record(topic, "b", FakeGlueRegistry.framed(avro, order, true)),
                    record(topic, "c", FakeGlueRegistry.framed(json, "{\"id\": 7}".getBytes(StandardCharsets.UTF_8),
                            true)),
                    // Glue's index of Audit among Audit, Event, Event.CountsEntry, Event.Detail: 0. Then who = "me".
                    record(topic, "d", FakeGlueRegistry.framed(proto, new byte[] {0, 0x0a, 0x02, 'm', 'e'}, false)),
                    // Event.Detail is 3; text = "x".
                    record(topic, "e", FakeGlueRegistry.framed(proto, new byte[] {3, 0x0a, 0x01, 'x'}, false)),
                    record(topic, "f", FakeGlueRegistry.framed(UUID.randomUUID(), order, false)),  // no such version
                    record(topic, "g", FakeGlueRegistry.framed(elsewhere, order, false)),         // another registry
                    record(topic, "h", framed(1, order(2, "NEW")))));                             // Confluent's
            Recorder handler = new Recorder();
            CollectingDestination destination = new CollectingDestination();

            run(KafkaSchemaRegistry.glue(FakeGlueRegistry.registryArn("shop"), client)
                    .eventRecordFormat(EventRecordFormat.JSON).validate(Attribute.VALUE).build(), handler, destination,
                    topic, 8, null);

            assertThat(handler.succeeded).extracting(record -> KafkaBroker.text(record.value())).containsExactly(
                    "{\"id\":1,\"status\":\"PAID\"}", "{\"id\":1,\"status\":\"PAID\"}", "{\"id\": 7}",
                    "{\"who\":\"me\"}", "{\"text\":\"x\"}");
            assertThat(handler.succeeded.getFirst().valueSchemaMetadata())
                    .isEqualTo(new KafkaSchemaMetadata("AVRO", avro.toString()));
            assertThat(givenUp(destination)).containsExactlyInAnyOrder("SchemaNotFound f", "SchemaNotFound g", "DeserializationError h");
            // One call per schema version, however many records name it.
            assertThat(glue.requests).filteredOn(avro.toString()::equals).hasSize(1);
        }
    }

    @Test
    void aRegistryThatIsDownHoldsThePartitionBackInOrderUntilItAnswers() throws Exception {
        String topic = broker.topic("down", 1);
        Answer down = new Answer(503, "{\"error_code\":50301,\"message\":\"Service unavailable\"}");
        registry.answer(2, down, down, FakeSchemaRegistry.schema(null, ORDER_SCHEMA));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // Every fifth record names schema 2, which the registry serves only on its third call.
            records.add(record(topic, "k" + i, framed(i % 5 == 4 ? 2 : 1, order(i, "PAID"))));
        }
        broker.sendAll(records);
        CollectingDestination destination = new CollectingDestination();
        Recorder handler = new Recorder();

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AtomicReference<Double> registryErrors = new AtomicReference<>();

        // The mapping's meters go when it stops: read while it runs.
        run(values(EventRecordFormat.JSON), handler, destination, topic, 20, null, meters, () -> registryErrors.set(
                meters.counter(KafkaMetricNames.SCHEMA_REGISTRY_ERROR_COUNT, MetricNames.MAPPING_TAG,
                        "schemas-" + topic).count()));

        assertThat(handler.succeeded).extracting(KafkaRecord::offset)
                .containsExactlyElementsOf(LongStream.range(0, 20).boxed().toList());
        assertThat(handler.succeeded.get(4).valueSchemaMetadata()).isEqualTo(new KafkaSchemaMetadata("AVRO", "2"));
        assertThat(destination.received).isEmpty();
        assertThat(registryErrors).hasValue(2.0);
    }

    /**
     * A registry that refuses the mapping's credentials (HTTP 401 to its basic authentication, as after a rotation) is
     * a problem of the mapping, as a broker's refusal is: the reason says so (the worker re-reads its secrets on it)
     * and LastProcessingResult has the registry's message, until the registry answers; then the records go on.
     */
    @Test
    void aRegistryRefusingItsCredentialsIsAProblemWithItsMessageUntilItAnswers() throws Exception {
        String topic = broker.topic("refused", 1);
        Answer unauthorized = new Answer(401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");
        registry.answer(5, unauthorized);
        broker.sendAll(List.of(record(topic, "a", framed(1, order(1, "PAID"))),
                record(topic, "b", framed(5, order(2, "PAID")))));
        Recorder handler = new Recorder();
        String group = "g-" + UUID.randomUUID();
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group)
                .schemaRegistry(KafkaSchemaRegistry.builder(registry.uri()).eventRecordFormat(EventRecordFormat.JSON)
                        .validate(Attribute.VALUE).basicAuth("api-key", "api-secret-1").build())
                .build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("schemas-" + topic, source, handler)
                .settings(Fixtures.fast().batchSize(10).build()).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> mapping.lastProcessingResult()
                    .equals("PROBLEM: Schema registry failed to authenticate Lambda."));
            assertThat(mapping.stateTransitionReason())
                    .startsWith("PROBLEM: the schema registry refused the mapping's credentials")
                    .contains("HTTP 401").doesNotContain("api-secret-1");
            assertThat(handler.succeeded).extracting(KafkaRecord::offset).doesNotContain(1L);

            registry.answer(5, FakeSchemaRegistry.schema(null, ORDER_SCHEMA));
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(2)
                    .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
            await().atMost(Duration.ofSeconds(30)).until(() -> mapping.lastProcessingResult().equals("OK"));
            assertThat(mapping.stateTransitionReason()).doesNotStartWith("PROBLEM");
            assertThat(handler.succeeded).extracting(KafkaRecord::offset).containsExactly(0L, 1L);
        } finally {
            Fixtures.stopQuietly(mapping);
        }
    }

    @Test
    void aRegistryOverMutualTlsIsReachedWithItsRootCaAndAClientCertificate(@TempDir Path directory)
            throws Exception {
        Identity server = TestCertificates.selfSigned(directory, "registry", "127.0.0.1", true);
        Identity client = TestCertificates.selfSigned(directory, "client", "esm4j-mapping", false);
        try (FakeSchemaRegistry tlsRegistry = new FakeSchemaRegistry("", server.httpsServer(true,
                client.certificatePem()))) {
            tlsRegistry.answer(1, FakeSchemaRegistry.schema(null, ORDER_SCHEMA));
            String topic = broker.topic("tls", 1);
            broker.sendAll(List.of(record(topic, "a", framed(1, order(1, "PAID")))));
            Recorder handler = new Recorder();

            run(KafkaSchemaRegistry.builder(tlsRegistry.uri()).eventRecordFormat(EventRecordFormat.JSON)
                    .validate(Attribute.VALUE).rootCaCertificate(server.certificatePem())
                    .clientCertificate(client.certificatePem(), client.encryptedPrivateKeyPem("pass"), "pass").build(),
                    handler, new CollectingDestination(), topic, 1, null);

            assertThat(handler.succeeded).singleElement().satisfies(record -> assertThat(record.value())
                    .asString(StandardCharsets.UTF_8).isEqualTo("{\"id\":1,\"status\":\"PAID\"}"));
            assertThat(tlsRegistry.requests).extracting(FakeSchemaRegistry.Request::path)
                    .containsExactly("/schemas/ids/1");
        }
    }

    /** Each record the destination received, as its failure record's condition and the record's key. */
    @SuppressWarnings("unchecked")
    private static List<String> givenUp(CollectingDestination destination) {
        return destination.received.stream().flatMap(failure -> failure.records().stream()
                .map(record -> failure.requestContext().condition() + " "
                        + KafkaBroker.text(((StreamRecord<KafkaRecord>) record).payload().key()))).toList();
    }

    /** Runs a mapping of its own group on the topic's one partition until it has committed {@code records}. */
    private static KafkaSource run(KafkaSchemaRegistry schemaRegistry, Recorder handler,
                                   CollectingDestination destination, String topic, long records,
                                   FilterCriteria filter) {
        return run(schemaRegistry, handler, destination, topic, records, filter, new SimpleMeterRegistry(), () -> {});
    }

    private static KafkaSource run(KafkaSchemaRegistry schemaRegistry, Recorder handler,
                                   CollectingDestination destination, String topic, long records,
                                   FilterCriteria filter, MeterRegistry meters, Runnable beforeStop) {
        String group = "g-" + UUID.randomUUID();
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group).schemaRegistry(schemaRegistry)
                .build();
        EventSourceMapping.Builder<KafkaRecord> builder = EventSourceMapping.builder("schemas-" + topic, source,
                handler).settings(Fixtures.fast().batchSize(10).build()).onFailure(destination).meterRegistry(meters);
        if (filter != null) {
            builder.filterCriteria(filter);
        }
        EventSourceMapping<KafkaRecord> mapping = builder.build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(records)
                    .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
            beforeStop.run();
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        return source;
    }

    private static KafkaSchemaRegistry values(EventRecordFormat format) {
        return KafkaSchemaRegistry.builder(registry.uri()).eventRecordFormat(format).validate(Attribute.VALUE)
                .build();
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, 0, KafkaBroker.bytes(key), value);
    }

    private static GenericRecord order(long id, String status) {
        GenericRecord order = new GenericData.Record(ORDER);
        order.put("id", id);
        order.put("status", status);
        return order;
    }

    /** As a Confluent serializer writes it: a zero byte, the schema id, the Avro datum. */
    private static byte[] framed(int schemaId, GenericRecord record) throws IOException {
        byte[] datum = avro(record);
        byte[] framed = new byte[5 + datum.length];
        framed[1] = (byte) (schemaId >>> 24);
        framed[2] = (byte) (schemaId >>> 16);
        framed[3] = (byte) (schemaId >>> 8);
        framed[4] = (byte) schemaId;
        System.arraycopy(datum, 0, framed, 5, datum.length);
        return framed;
    }

    private static byte[] framedJson(int schemaId, String json) {
        return framedBytes(schemaId, json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] framedBytes(int schemaId, byte[] payload) {
        byte[] framed = new byte[5 + payload.length];
        framed[4] = (byte) schemaId;
        System.arraycopy(payload, 0, framed, 5, payload.length);
        return framed;
    }

    private static byte[] avro(GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(ORDER).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}

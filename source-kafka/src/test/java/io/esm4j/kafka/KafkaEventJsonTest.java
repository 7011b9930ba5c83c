package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.sinks.EventJson;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lambda's Kafka event, item identifiers and the adapter, without a broker. */
class KafkaEventJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final KafkaSource selfManaged = KafkaSource.builder().bootstrapServers("b-1:9092,b-2:9092")
            .topics("mytopic").build();
    private final KafkaSource msk = KafkaSource.builder().bootstrapServers("b-1:9092").topics("mytopic")
            .eventSourceArn("arn:aws:kafka:us-east-1:123456789012:cluster/demo-cluster/abc").build();

    private static KafkaRecord record(int partition, long offset, String key, String value,
                                      List<Map<String, byte[]>> headers) {
        return new KafkaRecord("mytopic", partition, offset, 1545084650987L, "CREATE_TIME",
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), headers);
    }

    @Test
    void theEventHasLambdasShape() throws Exception {
        KafkaRecord first = record(0, 15, "abc", "Hello, this is a test.",
                List.of(Map.of("headerKey", "header".getBytes(StandardCharsets.UTF_8))));
        KafkaRecord keyless = record(0, 16, null, "x", List.of());
        KafkaRecord other = record(1, 3, "k", "y", List.of(Map.of("neg", new byte[] {-1, 0, 127})));
        JsonNode event = JSON.readTree(selfManaged.eventJson(List.of(first, keyless, other)));
        assertThat(event.get("eventSource").asText()).isEqualTo("SelfManagedKafka");
        assertThat(event.has("eventSourceArn")).isFalse();
        assertThat(event.get("bootstrapServers").asText()).isEqualTo("b-1:9092,b-2:9092");
        assertThat(event.get("records").fieldNames()).toIterable().containsExactly("mytopic-0", "mytopic-1");
        assertThat(event.at("/records/mytopic-0/0")).isEqualTo(JSON.readTree("""
                {"topic":"mytopic","partition":0,"offset":15,"timestamp":1545084650987,"timestampType":"CREATE_TIME",
                 "key":"YWJj","value":"SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
                 "headers":[{"headerKey":[104,101,97,100,101,114]}]}"""));
        assertThat(event.at("/records/mytopic-0/1").has("key")).isFalse();
        assertThat(event.at("/records/mytopic-1/0/headers/0/neg").toString()).isEqualTo("[-1,0,127]");
        JsonNode mskEvent = JSON.readTree(msk.eventJson(List.of(first)));
        assertThat(mskEvent.get("eventSource").asText()).isEqualTo("aws:kafka");
        assertThat(mskEvent.get("eventSourceArn").asText()).isEqualTo(msk.eventSourceArn());
    }

    @Test
    void theAdaptersEventMatchesTheJsonReadBackAsKafkaEvent() throws Exception {
        KafkaRecord first = record(2, 7, "abc", "v", List.of(Map.of("h", new byte[] {1, 2})));
        KafkaRecord keyless = record(2, 8, null, null, List.of());
        Batch<StreamRecord<KafkaRecord>> batch = new Batch<>(List.of(stream(first), stream(keyless)), "mytopic-2",
                selfManaged.streamArn(), 1, null);
        KafkaEvent adapted = KafkaLambdaAdapter.toEvent(selfManaged, batch);
        KafkaEvent read = JSON.readValue(selfManaged.eventJson(List.of(first, keyless)), KafkaEvent.class);
        assertThat(adapted.getEventSource()).isEqualTo(read.getEventSource());
        assertThat(adapted.getBootstrapServers()).isEqualTo(read.getBootstrapServers());
        List<KafkaEvent.KafkaEventRecord> a = adapted.getRecords().get("mytopic-2");
        List<KafkaEvent.KafkaEventRecord> r = read.getRecords().get("mytopic-2");
        assertThat(a).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(a.get(i)).usingRecursiveComparison().isEqualTo(r.get(i));
        }
        assertThat(a.get(1).getKey()).isNull();
        assertThat(a.get(1).getValue()).isNull();
    }

    @Test
    void anS3DestinationsPayloadIsTheKafkaEventOfTheGivenUpRecords() throws Exception {
        KafkaRecord first = record(0, 5, "k", "a", List.of());
        KafkaRecord second = record(0, 6, "k", "b", List.of());
        List<StreamRecord<KafkaRecord>> records = List.of(stream(first), stream(second));
        FailureRecord failure = new FailureRecord(new FailureRecord.RequestContext("id", "arn",
                FailureCondition.RetryAttemptsExhausted, 2), FailureRecord.ResponseContext.unhandled(),
                Instant.parse("2026-12-05T10:00:00Z"), selfManaged.batchInfo("mytopic-0", records), records);
        // What sinks' S3FailureDestination adds as "payload" when given this EventJson.
        EventJson eventJson = EventJson.ofPayloads(KafkaRecord.class, selfManaged::eventJson);
        assertThat(eventJson.write(failure)).isEqualTo(selfManaged.eventJson(List.of(first, second)));
        JsonNode json = JSON.readTree(failure.toJson());
        // payloadSize is the size of the invocation payload: the event of the two records, in bytes.
        assertThat(selfManaged.eventJson(List.of(first, second)).getBytes(StandardCharsets.UTF_8)).hasSize(383);
        assertThat(json.at("/KafkaBatchInfo")).isEqualTo(JSON.readTree("""
                {"batchSize":2,"bootstrapServers":"b-1:9092,b-2:9092","payloadSize":383,
                 "recordsInfo":{"mytopic-0":{"firstRecordOffset":"5","lastRecordOffset":"6",
                   "firstRecordTimestamp":"2018-12-17T22:10:50.987Z",
                   "lastRecordTimestamp":"2018-12-17T22:10:50.987Z"}}}"""));
    }

    @Test
    void itemIdentifiersAndNaturalIdsNameTopicPartitionAndOffset() {
        StreamRecord<KafkaRecord> record = stream(record(4, 42, "k", "v", List.of()));
        assertThat(selfManaged.itemIdentifier(record)).isEqualTo(Map.of("partition", "mytopic-4", "offset", 42L));
        assertThat(selfManaged.naturalId(record)).isEqualTo("mytopic-4-42");
        // What a handler returns, read as Lambda reads it, names the same record.
        BatchResult result = KafkaLambdaAdapter.toResult(
                "{\"batchItemFailures\":[{\"itemIdentifier\":{\"partition\":\"mytopic-4\",\"offset\":42}}]}");
        assertThat(result).isEqualTo(BatchResult.failures(List.of(selfManaged.itemIdentifier(record))));
        assertThat(KafkaLambdaAdapter.toResult(null)).isEqualTo(BatchResult.success());
        assertThat(KafkaLambdaAdapter.toResult(Map.of("batchItemFailures", List.of())))
                .isEqualTo(BatchResult.success());
    }

    /** A response Jackson cannot write: its getter throws. */
    public static final class Unwritable {
        public String getValue() {
            throw new IllegalStateException("no value");
        }
    }

    /**
     * A handler's response that Jackson cannot write is a malformed response, as on the worker's stream path: it fails
     * the batch only when the mapping reads responses (ReportBatchItemFailures), never by a thrown error, which would
     * fail (and retry) every batch of a mapping that does not read responses at all. An object without properties is
     * {@code {}}, a success.
     */
    @Test
    void aResponseThatCannotBeWrittenIsMalformedAndAnEmptyObjectIsSuccess() throws Exception {
        Batch<StreamRecord<KafkaRecord>> batch = new Batch<>(List.of(stream(record(0, 5, "k", "v", List.of()))),
                "mytopic-0", "", 1);
        assertThat(KafkaLambdaAdapter.of(selfManaged, event -> new Unwritable()).handle(batch))
                .isInstanceOfSatisfying(BatchResult.Malformed.class,
                        malformed -> assertThat(malformed.reason()).contains(Unwritable.class.getName()));
        assertThat(KafkaLambdaAdapter.of(selfManaged, event -> new Object()).handle(batch))
                .isEqualTo(BatchResult.success());
    }

    @Test
    void settingsAreCheckedNamingTheValue() {
        assertThatThrownBy(() -> KafkaSource.builder().topics("t").build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("BootstrapServers");
        assertThatThrownBy(() -> KafkaSource.builder().bootstrapServers("b:9092").build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("Topics");
        assertThatThrownBy(() -> KafkaSource.builder().consumerProperty("group.id", "x"))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("group.id");
        assertThatThrownBy(() -> KafkaSource.builder().bootstrapServers("b:9092").topics("t")
                .consumerProperty("group.protocol", "consumer").consumerProperty("session.timeout.ms", "10000")
                .build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("session.timeout.ms=10000").hasMessageContaining("group.protocol=consumer");
        assertThat(KafkaSource.builder().bootstrapServers("b:9092").topics("t")
                .consumerProperty("group.protocol", "classic").consumerProperty("session.timeout.ms", "10000")
                .build().usesConsumerGroupProtocol()).isFalse();
        assertThatThrownBy(() -> KafkaSource.builder().bootstrapServers("b:9092").topics("t")
                .consumerGroupId("x".repeat(201)).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("ConsumerGroupId");
        assertThatThrownBy(() -> selfManaged.failureTopic(".hidden"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kafka://.hidden");
        Recorder handler = new Recorder();
        assertThatThrownBy(() -> EventSourceMapping.builder("m", selfManaged, handler)
                .settings(Fixtures.fast().tumblingWindowInSeconds(30).build()).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("TumblingWindowInSeconds");
        assertThatThrownBy(() -> EventSourceMapping.builder("m", selfManaged, handler)
                .settings(Fixtures.fast().build()).onFailure(selfManaged.failureTopic("mytopic")).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("kafka://mytopic");
        assertThatThrownBy(() -> EventSourceMapping.builder("m", selfManaged, handler)
                .settings(Fixtures.fast().build())
                .filterCriteria(FilterCriteria.of(List.of("{\"key\":[\"a\"]}"))).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("[value]");
    }

    private static StreamRecord<KafkaRecord> stream(KafkaRecord record) {
        int size = (record.key() == null ? 0 : record.key().length)
                + (record.value() == null ? 0 : record.value().length);
        return new StreamRecord<>(record.topicPartition(), Long.toString(record.offset()), null,
                Instant.ofEpochMilli(record.timestamp()), size, record);
    }
}

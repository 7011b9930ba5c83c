package io.esm4j.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Lambda's Kafka event (docs/lambda-semantics.md §3.4): {@code eventSource}, {@code eventSourceArn} for MSK,
 * {@code bootstrapServers}, and the records grouped under {@code <topic>-<partition>}, with key and value in base64
 * (a null key or value is left out) and header values as arrays of byte values (Java's signed bytes, as
 * aws-lambda-java-events reads them back into {@code byte[]}).
 */
public final class KafkaEventJson {

    private static final JsonFactory JSON = new JsonFactory();

    private KafkaEventJson() {}

    /** The event for {@code records} (one batch, in order) of {@code source}. */
    public static String write(KafkaSource source, List<KafkaRecord> records) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("eventSource", source.eventSource());
            if (source.eventSourceArn() != null) {
                json.writeStringField("eventSourceArn", source.eventSourceArn());
            }
            json.writeStringField("bootstrapServers", source.bootstrapServers());
            json.writeObjectFieldStart("records");
            for (Map.Entry<String, List<KafkaRecord>> partition : byPartition(records).entrySet()) {
                json.writeArrayFieldStart(partition.getKey());
                for (KafkaRecord record : partition.getValue()) {
                    writeRecord(json, record);
                }
                json.writeEndArray();
            }
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static Map<String, List<KafkaRecord>> byPartition(List<KafkaRecord> records) {
        Map<String, List<KafkaRecord>> byPartition = new LinkedHashMap<>();
        for (KafkaRecord record : records) {
            byPartition.computeIfAbsent(record.topicPartition(), k -> new java.util.ArrayList<>()).add(record);
        }
        return byPartition;
    }

    private static void writeRecord(JsonGenerator json, KafkaRecord record) throws IOException {
        json.writeStartObject();
        json.writeStringField("topic", record.topic());
        json.writeNumberField("partition", record.partition());
        json.writeNumberField("offset", record.offset());
        json.writeNumberField("timestamp", record.timestamp());
        json.writeStringField("timestampType", record.timestampType());
        if (record.key() != null) {
            json.writeStringField("key", Base64.getEncoder().encodeToString(record.key()));
        }
        if (record.value() != null) {
            json.writeStringField("value", Base64.getEncoder().encodeToString(record.value()));
        }
        json.writeArrayFieldStart("headers");
        for (Map<String, byte[]> header : record.headers()) {
            json.writeStartObject();
            for (Map.Entry<String, byte[]> entry : header.entrySet()) {
                json.writeArrayFieldStart(entry.getKey());
                for (byte b : entry.getValue()) {
                    json.writeNumber(b);
                }
                json.writeEndArray();
            }
            json.writeEndObject();
        }
        json.writeEndArray();
        writeSchemaMetadata(json, "keySchemaMetadata", record.keySchemaMetadata());
        writeSchemaMetadata(json, "valueSchemaMetadata", record.valueSchemaMetadata());
        json.writeEndObject();
    }

    private static void writeSchemaMetadata(JsonGenerator json, String field, @Nullable KafkaSchemaMetadata metadata)
            throws IOException {
        if (metadata != null) {
            json.writeObjectFieldStart(field);
            json.writeStringField("dataFormat", metadata.dataFormat());
            json.writeStringField("schemaId", metadata.schemaId());
            json.writeEndObject();
        }
    }
}

package io.esm4j.dynamodbstreams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.esm4j.stream.StreamRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.Record;

/** Turns the records GetRecords returns for one shard into the engine's records with Lambda-shaped payloads. */
final class RecordConverter {

    private static final JsonFactory JSON = new JsonFactory();

    private final String shardId;
    private final String streamArn;

    RecordConverter(String shardId, String streamArn) {
        this.shardId = shardId;
        this.streamArn = streamArn;
    }

    StreamRecord<DynamoDbRecord> convert(Record record) {
        software.amazon.awssdk.services.dynamodb.model.StreamRecord change = record.dynamodb();
        // An emulator may leave the creation time out; "now" keeps age-based discards from firing on it. Whole
        // seconds, as DynamoDB Streams documents it and the event's JSON writes it: an emulator may send a fraction,
        // which the record, DynamoDbLambdaAdapter's Date and the JSON must not disagree about.
        Instant created = (change.approximateCreationDateTime() != null ? change.approximateCreationDateTime()
                : Instant.now()).truncatedTo(ChronoUnit.SECONDS);
        DynamoDbRecord.Dynamodb dynamodb = new DynamoDbRecord.Dynamodb(created, change.keys(),
                change.hasNewImage() ? change.newImage() : null, change.hasOldImage() ? change.oldImage() : null,
                change.sequenceNumber(), change.sizeBytes() != null ? change.sizeBytes() : 0,
                change.streamViewTypeAsString());
        Identity identity = record.userIdentity();
        DynamoDbRecord payload = new DynamoDbRecord(record.eventID(), record.eventNameAsString(),
                record.eventVersion(), record.eventSource() != null ? record.eventSource() : DynamoDbRecord.EVENT_SOURCE,
                record.awsRegion(), dynamodb, streamArn,
                identity == null ? null : new DynamoDbRecord.UserIdentity(identity.principalId(), identity.type()));
        // The record's JSON and the comma before it in the Records array; the source's envelope counts the rest.
        int size = (int) Math.min(Integer.MAX_VALUE, DynamoDbEventJson.size(payload) + 1L);
        return new StreamRecord<>(shardId, change.sequenceNumber(), partitionKey(change.keys()), created, size,
                payload);
    }

    /**
     * The lane key of ParallelizationFactor: the item's key attributes (partition and sort key, so that order is
     * kept per item as Lambda does) as DynamoDB JSON with the attributes sorted by name, e.g.
     * {@code {"pk":{"S":"a"},"sk":{"N":"1"}}}. Built by hand for the key types (S, N, B): it runs for every record.
     */
    static String partitionKey(Map<String, AttributeValue> keys) {
        Map<String, AttributeValue> sorted = keys.size() < 2 ? keys : new TreeMap<>(keys);
        StringBuilder out = new StringBuilder(64).append('{');
        for (Map.Entry<String, AttributeValue> key : sorted.entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            quote(out, key.getKey());
            AttributeValue value = key.getValue();
            out.append(':');
            switch (value.type()) {
                case S -> quote(out.append("{\"S\":"), value.s()).append('}');
                case N -> quote(out.append("{\"N\":"), value.n()).append('}');
                case B -> out.append("{\"B\":\"").append(Base64.getEncoder().encodeToString(
                        value.b().asByteArrayUnsafe())).append("\"}");
                // Not a key type: DynamoDB never sends one, but an emulator might; its JSON is still a stable key.
                default -> out.append(valueJson(value));
            }
        }
        return out.append('}').toString();
    }

    private static String valueJson(AttributeValue value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            AttributeJson.writeValue(json, value);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return out.toString();
    }

    /** A JSON string as Jackson writes it: quotes, backslash and control characters escaped, the rest as is. */
    private static StringBuilder quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}

package io.esm4j.dynamodbstreams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.esm4j.handler.Batch;
import io.esm4j.handler.RecordsJson;
import io.esm4j.stream.StreamRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

/**
 * Writes the {@code {"Records":[...]}} JSON that Lambda sends a function for a DynamoDB Streams batch, in Lambda's
 * field order: {@code eventID, eventName, eventVersion, eventSource, awsRegion, dynamodb, [userIdentity],
 * eventSourceARN}; {@code dynamodb} holds {@code ApproximateCreationDateTime} (epoch seconds), {@code Keys},
 * {@code NewImage} and {@code OldImage} as the view type gives them, {@code SequenceNumber}, {@code SizeBytes} and
 * {@code StreamViewType}; attribute values are DynamoDB JSON with binaries in base64.
 */
public final class DynamoDbEventJson {

    private static final JsonFactory JSON = new JsonFactory();

    private DynamoDbEventJson() {}

    /**
     * Lambda's event for the batch: its records, and for a batch of a tumbling window the window's fields and state
     * ({@link RecordsJson#withWindow}), which a function answers with {@code {"state": {...}, ...}}, read by
     * {@code LambdaResponses.parse(batch, response)}.
     */
    public static String write(Batch<StreamRecord<DynamoDbRecord>> batch) {
        return RecordsJson.withWindow(write(batch.records().stream().map(StreamRecord::payload).toList()), batch);
    }

    /** The {@code {"Records":[...]}} event of these records, without a window's fields. */
    public static String write(List<DynamoDbRecord> records) {
        return RecordsJson.write(JSON, records, DynamoDbEventJson::writeRecord);
    }

    /** One record's JSON, as it appears in the {@code Records} array. */
    public static String writeRecord(DynamoDbRecord record) {
        StringWriter out = new StringWriter();
        write(out, record);
        return out.toString();
    }

    /** The length in bytes of one record's JSON (UTF-8), counted without writing it ({@link JsonLength}). */
    static int size(DynamoDbRecord record) {
        return (int) Math.min(Integer.MAX_VALUE, JsonLength.record(record));
    }

    private static void write(Writer out, DynamoDbRecord record) {
        try (JsonGenerator json = JSON.createGenerator(out)) {
            writeRecord(json, record);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
    }

    private static void writeRecord(JsonGenerator json, DynamoDbRecord record) throws IOException {
        json.writeStartObject();
        json.writeStringField("eventID", record.eventID());
        json.writeStringField("eventName", record.eventName());
        json.writeStringField("eventVersion", record.eventVersion());
        json.writeStringField("eventSource", record.eventSource());
        json.writeStringField("awsRegion", record.awsRegion());
        DynamoDbRecord.Dynamodb dynamodb = record.dynamodb();
        json.writeObjectFieldStart("dynamodb");
        json.writeNumberField("ApproximateCreationDateTime", dynamodb.approximateCreationDateTime().getEpochSecond());
        json.writeFieldName("Keys");
        AttributeJson.writeItem(json, dynamodb.keys());
        if (dynamodb.newImage() != null) {
            json.writeFieldName("NewImage");
            AttributeJson.writeItem(json, dynamodb.newImage());
        }
        if (dynamodb.oldImage() != null) {
            json.writeFieldName("OldImage");
            AttributeJson.writeItem(json, dynamodb.oldImage());
        }
        json.writeStringField("SequenceNumber", dynamodb.sequenceNumber());
        json.writeNumberField("SizeBytes", dynamodb.sizeBytes());
        json.writeStringField("StreamViewType", dynamodb.streamViewType());
        json.writeEndObject();
        if (record.userIdentity() != null) {
            json.writeObjectFieldStart("userIdentity");
            json.writeStringField("type", record.userIdentity().type());
            json.writeStringField("principalId", record.userIdentity().principalId());
            json.writeEndObject();
        }
        json.writeStringField("eventSourceARN", record.eventSourceARN());
        json.writeEndObject();
    }
}

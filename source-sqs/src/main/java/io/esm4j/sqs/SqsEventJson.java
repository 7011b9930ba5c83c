package io.esm4j.sqs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.esm4j.handler.RecordsJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes SQS records as the {@code {"Records":[...]}} event Lambda sends, field for field in Lambda's order and
 * casing ({@code eventSourceARN}, lower-case attribute fields, binary values in base64, {@code messageAttributes}
 * always present, {@code md5OfMessageAttributes} written as {@code null} when there are no attributes;
 * docs/lambda-semantics.md §3.3 and §9).
 */
public final class SqsEventJson {

    private static final JsonFactory JSON = new JsonFactory();

    private SqsEventJson() {}

    /** The event for a batch: {@code {"Records":[...]}}. */
    public static String write(List<SqsMessage> records) {
        return RecordsJson.write(JSON, records, SqsEventJson::writeRecord);
    }

    private static void writeRecord(JsonGenerator json, SqsMessage record) throws IOException {
        json.writeStartObject();
        json.writeStringField("messageId", record.messageId());
        json.writeStringField("receiptHandle", record.receiptHandle());
        json.writeStringField("body", record.body());
        json.writeObjectFieldStart("attributes");
        for (Map.Entry<String, String> attribute : record.attributes().entrySet()) {
            json.writeStringField(attribute.getKey(), attribute.getValue());
        }
        json.writeEndObject();
        json.writeObjectFieldStart("messageAttributes");
        for (Map.Entry<String, SqsMessageAttribute> attribute : record.messageAttributes().entrySet()) {
            json.writeFieldName(attribute.getKey());
            writeAttribute(json, attribute.getValue());
        }
        json.writeEndObject();
        json.writeStringField("md5OfMessageAttributes", record.md5OfMessageAttributes());
        json.writeStringField("md5OfBody", record.md5OfBody());
        json.writeStringField("eventSource", record.eventSource());
        json.writeStringField("eventSourceARN", record.eventSourceArn());
        json.writeStringField("awsRegion", record.awsRegion());
        json.writeEndObject();
    }

    private static void writeAttribute(JsonGenerator json, SqsMessageAttribute attribute) throws IOException {
        json.writeStartObject();
        // Lambda leaves out the value field that does not apply to the type instead of writing null.
        if (attribute.stringValue() != null) {
            json.writeStringField("stringValue", attribute.stringValue());
        }
        if (attribute.binaryValue() != null) {
            json.writeStringField("binaryValue", base64(attribute.binaryValue()));
        }
        json.writeArrayFieldStart("stringListValues");
        for (String value : attribute.stringListValues()) {
            json.writeString(value);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("binaryListValues");
        for (ByteBuffer value : attribute.binaryListValues()) {
            json.writeString(base64(value));
        }
        json.writeEndArray();
        json.writeStringField("dataType", attribute.dataType());
        json.writeEndObject();
    }

    private static String base64(ByteBuffer value) {
        ByteBuffer bytes = value.duplicate();
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        return Base64.getEncoder().encodeToString(copy);
    }
}

package io.esm4j.kinesis;

import static io.esm4j.handler.JsonSize.base64;
import static io.esm4j.handler.JsonSize.string;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.esm4j.handler.Batch;
import io.esm4j.handler.RecordsJson;
import io.esm4j.stream.StreamRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Writes the {@code {"Records":[...]}} JSON that Lambda sends a function for a Kinesis batch, in Lambda's field order
 * and formats (docs/lambda-semantics.md §3.1): base64 {@code data}, {@code approximateArrivalTimestamp} in epoch
 * seconds with a millisecond fraction. {@code encryptionType} is not written: Lambda's event has no such field (AWS's
 * example, and events recorded from real mappings), although GetRecords may report it.
 */
public final class KinesisEventJson {

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

    private KinesisEventJson() {}

    /**
     * Lambda's event for the batch: its records, and for a batch of a tumbling window the window's fields and state
     * ({@link RecordsJson#withWindow}), which a function answers with {@code {"state": {...}, ...}}, read by
     * {@code LambdaResponses.parse(batch, response)}.
     */
    public static String write(Batch<StreamRecord<KinesisRecord>> batch) {
        return RecordsJson.withWindow(write(batch.records().stream().map(StreamRecord::payload).toList()), batch);
    }

    /** The {@code {"Records":[...]}} event of these records, without a window's fields. */
    public static String write(List<KinesisRecord> records) {
        return RecordsJson.write(JSON, records, KinesisEventJson::writeRecord);
    }

    /** One record's JSON, as it appears in the {@code Records} array. */
    public static String writeRecord(KinesisRecord record) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            writeRecord(json, record);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return out.toString();
    }

    private static void writeRecord(JsonGenerator json, KinesisRecord record) throws IOException {
        KinesisRecord.Kinesis kinesis = record.kinesis();
        json.writeStartObject();
        json.writeObjectFieldStart("kinesis");
        json.writeStringField("kinesisSchemaVersion", kinesis.kinesisSchemaVersion());
        json.writeStringField("partitionKey", kinesis.partitionKey());
        json.writeStringField("sequenceNumber", kinesis.sequenceNumber());
        json.writeStringField("data", Base64.getEncoder().encodeToString(kinesis.data()));
        json.writeFieldName("approximateArrivalTimestamp");
        json.writeNumber(epochSeconds(kinesis.approximateArrivalTimestamp()));
        json.writeEndObject();
        json.writeStringField("eventSource", record.eventSource());
        json.writeStringField("eventVersion", record.eventVersion());
        json.writeStringField("eventID", record.eventID());
        json.writeStringField("eventName", record.eventName());
        json.writeStringField("invokeIdentityArn", record.invokeIdentityArn());
        json.writeStringField("awsRegion", record.awsRegion());
        json.writeStringField("eventSourceARN", record.eventSourceARN());
        json.writeEndObject();
    }

    /**
     * What {@code record} counts against the 6 MB invocation cap and the memory bounds: its object as
     * {@link #write} writes it in UTF-8 (JSON escapes, base64 data) and the comma before it; the source declares the
     * envelope around the batch ({@link KinesisStreamSource#eventEnvelopeBytes}). Counted without writing; a test
     * compares it with the written JSON.
     */
    static int size(KinesisRecord record) {
        KinesisRecord.Kinesis kinesis = record.kinesis();
        long size = "{\"kinesis\":{\"kinesisSchemaVersion\":".length() + string(kinesis.kinesisSchemaVersion())
                + ",\"partitionKey\":".length() + string(kinesis.partitionKey())
                + ",\"sequenceNumber\":".length() + string(kinesis.sequenceNumber())
                + ",\"data\":\"\"".length() + base64(kinesis.data().length)
                + ",\"approximateArrivalTimestamp\":".length()
                + epochSeconds(kinesis.approximateArrivalTimestamp()).toPlainString().length()
                + "},\"eventSource\":".length() + string(record.eventSource())
                + ",\"eventVersion\":".length() + string(record.eventVersion())
                + ",\"eventID\":".length() + string(record.eventID())
                + ",\"eventName\":".length() + string(record.eventName())
                + ",\"invokeIdentityArn\":".length() + string(record.invokeIdentityArn())
                + ",\"awsRegion\":".length() + string(record.awsRegion())
                + ",\"eventSourceARN\":".length() + string(record.eventSourceARN())
                + "}".length();
        return (int) Math.min(Integer.MAX_VALUE, size + ",".length());
    }

    /**
     * Epoch seconds with the milliseconds as a fraction, written as a decimal number the way Lambda shows it
     * ({@code 1545084650.987}); trailing zeros of the fraction are dropped but one digit is kept
     * ({@code 1545084650.98}, {@code 1545084650.0}), as a floating-point seconds value prints.
     */
    static BigDecimal epochSeconds(Instant instant) {
        BigDecimal seconds = BigDecimal.valueOf(instant.toEpochMilli(), 3).stripTrailingZeros();
        return seconds.scale() < 1 ? seconds.setScale(1) : seconds;
    }
}

package io.esm4j.sinks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.RecordsJson;
import io.esm4j.stream.StreamRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Base64;

/**
 * {@link EventJson#bytesAsKinesis()}: Lambda's Kinesis event (docs/lambda-semantics.md §3.1) for stream records
 * whose payload is the record's data as bytes, in the field order and formats of the Kinesis source's writer.
 */
final class KinesisBytesEventJson implements EventJson {

    static final KinesisBytesEventJson INSTANCE = new KinesisBytesEventJson();

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

    private KinesisBytesEventJson() {}

    @Override
    public String write(FailureRecord failure) {
        if (!(failure.batchInfo() instanceof StreamBatchInfo info) || info.style() != BatchInfoStyle.KINESIS) {
            throw new IllegalStateException("the default EventJson writes Kinesis events, but this failure record "
                    + "has " + failure.batchInfo().jsonKey() + "; give the S3 destination an EventJson for its "
                    + "source");
        }
        Arn stream = Arn.parse(info.streamArn());
        String region = stream == null ? "" : stream.region();
        String account = stream == null ? "" : stream.account();
        return RecordsJson.write(JSON, failure.records(), (json, element) -> {
            if (!(element instanceof StreamRecord<?> record) || !(record.payload() instanceof byte[] data)) {
                throw new IllegalStateException("the default EventJson writes records whose payload is byte[] "
                        + "but a record is " + describe(element) + "; give the S3 destination an EventJson for "
                        + "its source, e.g. EventJson.ofPayloads(KinesisRecord.class, KinesisEventJson::write)");
            }
            writeRecord(json, record, data, info.streamArn(), region, account);
        });
    }

    @Override
    public void checkPayloadType(Class<?> payloadType) {
        if (payloadType != byte[].class) {
            throw new IllegalArgumentException("EventJson.bytesAsKinesis() writes records whose payload is byte[], "
                    + "but the mapping's payloads are " + payloadType.getTypeName() + "; "
                    + LambdaEventJson.FIX.formatted(payloadType.getSimpleName()));
        }
    }

    private static void writeRecord(JsonGenerator json, StreamRecord<?> record, byte[] data, String streamArn,
                                    String region, String account) throws IOException {
        json.writeStartObject();
        json.writeObjectFieldStart("kinesis");
        json.writeStringField("kinesisSchemaVersion", "1.0");
        json.writeStringField("partitionKey", record.partitionKey());
        json.writeStringField("sequenceNumber", record.sequenceNumber());
        json.writeStringField("data", Base64.getEncoder().encodeToString(data));
        json.writeFieldName("approximateArrivalTimestamp");
        json.writeNumber(epochSeconds(record.approximateArrivalTimestamp()));
        json.writeEndObject();
        json.writeStringField("eventSource", "aws:kinesis");
        json.writeStringField("eventVersion", "1.0");
        json.writeStringField("eventID", record.shardId() + ":" + record.sequenceNumber());
        json.writeStringField("eventName", "aws:kinesis:record");
        json.writeStringField("invokeIdentityArn", "arn:aws:iam::" + account + ":role/esm4j");
        json.writeStringField("awsRegion", region);
        json.writeStringField("eventSourceARN", streamArn);
        json.writeEndObject();
    }

    /** Epoch seconds with a millisecond fraction and at least one decimal, as Lambda prints them (1545084650.987). */
    static BigDecimal epochSeconds(Instant instant) {
        BigDecimal seconds = BigDecimal.valueOf(instant.toEpochMilli(), 3).stripTrailingZeros();
        return seconds.scale() < 1 ? seconds.setScale(1) : seconds;
    }

    private static String describe(Object element) {
        if (element instanceof StreamRecord<?> record) {
            return "a StreamRecord of " + (record.payload() == null ? "null" : record.payload().getClass().getName());
        }
        return element == null ? "null" : element.getClass().getName();
    }
}

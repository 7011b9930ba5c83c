package io.esm4j.sinks;

import com.fasterxml.jackson.core.JsonFactory;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.LambdaRecord;
import io.esm4j.handler.RecordsJson;
import java.util.List;

/**
 * {@link EventJson#lambdaEvent()}, the default: Lambda's event of the given-up records for any source whose payloads
 * write themselves ({@link LambdaRecord}: the DynamoDB Streams and Kinesis sources' records), each exactly as its
 * source's event writer writes it, and {@link EventJson#bytesAsKinesis()} for the in-memory stream's {@code byte[]}.
 */
final class LambdaEventJson implements EventJson {

    static final LambdaEventJson INSTANCE = new LambdaEventJson();

    private static final JsonFactory JSON = new JsonFactory();
    /** How to give an EventJson for payloads of another type (%s: its simple name). */
    static final String FIX = "give the S3 destination an EventJson for them: FailureDestinations.builder()"
            + ".eventJson(EventJson.ofPayloads(%s.class, payloads -> json)), or S3FailureDestination.of(s3, bucket, "
            + "mappingName, eventJson)";

    private LambdaEventJson() {}

    @Override
    public String write(FailureRecord failure) {
        List<Object> payloads = EventJson.payloads(failure);
        if (!payloads.isEmpty() && payloads.stream().allMatch(LambdaRecord.class::isInstance)) {
            // Raw: each record's text is its source's own writing, number formats included.
            return RecordsJson.write(JSON, payloads, (json, payload) ->
                    json.writeRawValue(((LambdaRecord) payload).lambdaJson()));
        }
        boolean kinesisBytes = failure.batchInfo() instanceof StreamBatchInfo info
                && info.style() == BatchInfoStyle.KINESIS && payloads.stream().allMatch(byte[].class::isInstance);
        if (!kinesisBytes) {
            Object other = payloads.stream().filter(p -> !(p instanceof LambdaRecord)).findFirst().orElse(null);
            throw new IllegalStateException("the default EventJson writes records whose payload is a "
                    + LambdaRecord.class.getName() + " (the DynamoDB Streams and Kinesis sources' records), or byte[] "
                    + "with KinesisBatchInfo, but this failure record has " + failure.batchInfo().jsonKey()
                    + " and a payload of type " + (other == null ? "null" : other.getClass().getName())
                    + "; give the S3 destination an EventJson for its source: FailureDestinations.builder()"
                    + ".eventJson(...) or S3FailureDestination.of(s3, bucket, mappingName, eventJson)");
        }
        return KinesisBytesEventJson.INSTANCE.write(failure);
    }

    @Override
    public void checkPayloadType(Class<?> payloadType) {
        if (!LambdaRecord.class.isAssignableFrom(payloadType) && payloadType != byte[].class) {
            throw new IllegalArgumentException("the default EventJson writes records whose payload is a "
                    + LambdaRecord.class.getName() + " (the DynamoDB Streams and Kinesis sources' records) or byte[] "
                    + "(with KinesisBatchInfo), but the mapping's payloads are " + payloadType.getTypeName() + "; "
                    + FIX.formatted(payloadType.getSimpleName()));
        }
    }
}

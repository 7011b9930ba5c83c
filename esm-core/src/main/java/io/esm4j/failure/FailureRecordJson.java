package io.esm4j.failure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Writes a {@link FailureRecord} in AWS's field order and formats. */
final class FailureRecordJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The batch info of Lambda's Kafka failure records, the only ones AWS documents with a null responseContext. */
    private static final String KAFKA_BATCH_INFO = "KafkaBatchInfo";

    private FailureRecordJson() {}

    static String write(FailureRecord record) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode request = root.putObject("requestContext");
        request.put("requestId", record.requestContext().requestId());
        request.put("functionArn", record.requestContext().functionArn());
        request.put("condition", record.requestContext().condition().name());
        request.put("approximateInvokeCount", record.requestContext().approximateInvokeCount());
        if (record.responseContext() != null) {
            ObjectNode response = root.putObject("responseContext");
            response.put("statusCode", record.responseContext().statusCode());
            response.put("executedVersion", record.responseContext().executedVersion());
            response.put("functionError", record.responseContext().functionError());
        } else if (nullResponseContext(record)) {
            root.putNull("responseContext");
        }
        root.put("version", FailureRecord.VERSION);
        // AWS writes the record timestamp with milliseconds whatever the source.
        root.put("timestamp", BatchInfoStyle.KINESIS.formatArrival(record.timestamp()));
        root.set(record.batchInfo().jsonKey(), JSON.valueToTree(record.batchInfo().jsonFields()));
        return root.toString();
    }

    /**
     * Lambda's Kafka failure record of a record too large to invoke has {@code "responseContext": null} (its SQS, SNS
     * and S3 example); stream records it never invoked have none (observed for RecordAgeExceeded), nor do esm4j's
     * other never-invoked Kafka records, which AWS shows no example of.
     */
    private static boolean nullResponseContext(FailureRecord record) {
        return record.requestContext().condition() == FailureCondition.MaximumPayloadSizeExceeded
                && KAFKA_BATCH_INFO.equals(record.batchInfo().jsonKey());
    }
}

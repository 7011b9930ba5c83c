package io.esm4j.failure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Writes a {@link FailureRecord} in AWS's field order and formats. */
final class FailureRecordJson {

    private static final ObjectMapper JSON = new ObjectMapper();

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
        }
        root.put("version", FailureRecord.VERSION);
        // AWS writes the record timestamp with milliseconds whatever the source.
        root.put("timestamp", BatchInfoStyle.KINESIS.formatArrival(record.timestamp()));
        root.set(record.batchInfo().jsonKey(), JSON.valueToTree(record.batchInfo().jsonFields()));
        return root.toString();
    }
}

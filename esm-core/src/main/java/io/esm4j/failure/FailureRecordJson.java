package io.esm4j.failure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.stream.BatchInfoStyle;

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
        StreamBatchInfo info = record.batchInfo();
        ObjectNode batch = root.putObject(record.batchInfoStyle().jsonKey());
        batch.put("shardId", info.shardId());
        batch.put("startSequenceNumber", info.startSequenceNumber());
        batch.put("endSequenceNumber", info.endSequenceNumber());
        batch.put("approximateArrivalOfFirstRecord",
                record.batchInfoStyle().formatArrival(info.approximateArrivalOfFirstRecord()));
        batch.put("approximateArrivalOfLastRecord",
                record.batchInfoStyle().formatArrival(info.approximateArrivalOfLastRecord()));
        batch.put("batchSize", info.batchSize());
        batch.put("streamArn", info.streamArn());
        return root.toString();
    }
}

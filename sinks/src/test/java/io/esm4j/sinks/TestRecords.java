package io.esm4j.sinks;

import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Failure records for destination tests, with the values of the example in docs/lambda-semantics.md §3.5. */
final class TestRecords {

    static final String SHARD = "shardId-000000000001";
    static final String STREAM_ARN = "arn:aws:kinesis:us-east-2:123456789012:stream/mystream";
    static final Instant GIVEN_UP = Instant.parse("2019-11-14T00:38:06.021Z");

    private TestRecords() {}

    /** The §3.5 example, its 500 records left out. */
    static FailureRecord documented() {
        return new FailureRecord(request(), FailureRecord.ResponseContext.unhandled(), GIVEN_UP,
                new StreamBatchInfo(BatchInfoStyle.KINESIS, SHARD,
                        "49601189658422359378836298521827638475320189012309704722",
                        "49601189658422359378836298522902373528957594348623495186",
                        Instant.parse("2019-11-14T00:38:04.835Z"), Instant.parse("2019-11-14T00:38:05.580Z"), 500,
                        STREAM_ARN),
                List.of());
    }

    /** A record of two given-up in-memory-stream records, with their byte[] payloads. */
    static FailureRecord withTwoRecords() {
        List<StreamRecord<byte[]>> records = List.of(
                record("1", "key-a", "{\"order\":1}", Instant.parse("2019-11-14T00:38:04.835Z")),
                record("2", null, "not json \"at all\"\n", Instant.parse("2019-11-14T00:38:05.580Z")));
        return new FailureRecord(request(), FailureRecord.ResponseContext.unhandled(), GIVEN_UP,
                StreamBatchInfo.of(BatchInfoStyle.KINESIS, SHARD, records, STREAM_ARN), records);
    }

    /** A record whose JSON is exactly {@code bytes} long, padded inside a batch info of a made-up source. */
    static FailureRecord ofJsonSize(int bytes) {
        FailureRecord empty = padded("");
        int padding = bytes - empty.toJson().getBytes(StandardCharsets.UTF_8).length;
        if (padding < 0) {
            throw new IllegalArgumentException("a record cannot be shorter than " + (bytes - padding) + " bytes");
        }
        return padded("x".repeat(padding));
    }

    private static FailureRecord padded(String padding) {
        BatchInfo info = new BatchInfo() {
            @Override
            public String jsonKey() {
                return "LargeBatchInfo";
            }

            @Override
            public Map<String, Object> jsonFields() {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("padding", padding);
                return fields;
            }
        };
        return new FailureRecord(request(), FailureRecord.ResponseContext.unhandled(), GIVEN_UP, info, List.of());
    }

    private static FailureRecord.RequestContext request() {
        return new FailureRecord.RequestContext(UUID.randomUUID().toString(),
                "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
                FailureCondition.RetryAttemptsExhausted, 1);
    }

    private static StreamRecord<byte[]> record(String sequence, String key, String data, Instant arrival) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        return new StreamRecord<>(SHARD, sequence, key, arrival, bytes.length, bytes);
    }
}

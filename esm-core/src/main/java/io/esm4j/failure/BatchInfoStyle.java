package io.esm4j.failure;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How a stream source names and formats its {@link StreamBatchInfo}: Kinesis writes {@code KinesisBatchInfo} with
 * millisecond arrival times, DynamoDB Streams {@code DDBStreamBatchInfo} with whole seconds.
 */
public enum BatchInfoStyle {
    KINESIS("KinesisBatchInfo", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"),
    DYNAMODB_STREAMS("DDBStreamBatchInfo", "yyyy-MM-dd'T'HH:mm:ss'Z'");

    private final String jsonKey;
    private final DateTimeFormatter arrivalFormat;

    BatchInfoStyle(String jsonKey, String arrivalPattern) {
        this.jsonKey = jsonKey;
        this.arrivalFormat = DateTimeFormatter.ofPattern(arrivalPattern).withZone(ZoneOffset.UTC);
    }

    public String jsonKey() {
        return jsonKey;
    }

    /** Formats an arrival time the way this source's failure records do. */
    public String formatArrival(Instant instant) {
        return arrivalFormat.format(instant);
    }
}

package io.esm4j.stream;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The shape of the batch-info object in a failure record (docs/lambda-semantics.md §3.5): Kinesis writes
 * {@code KinesisBatchInfo} with millisecond arrival times, DynamoDB Streams {@code DDBStreamBatchInfo} with
 * whole seconds.
 */
public enum BatchInfoStyle {
    KINESIS("KinesisBatchInfo", ChronoUnit.MILLIS),
    DYNAMODB_STREAMS("DDBStreamBatchInfo", ChronoUnit.SECONDS);

    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(java.time.ZoneOffset.UTC);
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(java.time.ZoneOffset.UTC);

    private final String jsonKey;
    private final ChronoUnit precision;

    BatchInfoStyle(String jsonKey, ChronoUnit precision) {
        this.jsonKey = jsonKey;
        this.precision = precision;
    }

    public String jsonKey() {
        return jsonKey;
    }

    /** Formats an arrival time the way this source's failure records do. */
    public String formatArrival(Instant instant) {
        return precision == ChronoUnit.MILLIS ? MILLIS.format(instant) : SECONDS.format(instant);
    }
}

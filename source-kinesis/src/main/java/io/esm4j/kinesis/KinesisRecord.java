package io.esm4j.kinesis;

import io.esm4j.handler.LambdaRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One record of a Kinesis event, shaped and named as Lambda sends it (docs/lambda-semantics.md §3.1);
 * {@link KinesisEventJson} writes it as Lambda's JSON, and so does {@link #lambdaJson()} (what the S3 on-failure
 * destination's default writer uses). A user record de-aggregated from a KPL aggregate has its own
 * partition key and data, and a {@code sequenceNumber} with the sub-sequence number ({@link KinesisPosition}).
 *
 * @param kinesis           the Kinesis part of the record
 * @param eventSource       always {@code aws:kinesis}
 * @param eventVersion      always {@code 1.0}
 * @param eventID           {@code <shardId>:<sequenceNumber>}
 * @param eventName         always {@code aws:kinesis:record}
 * @param invokeIdentityArn the role Lambda would invoke with (a source setting)
 * @param awsRegion         the stream's region
 * @param eventSourceARN    the stream's ARN
 */
public record KinesisRecord(
        Kinesis kinesis,
        String eventSource,
        String eventVersion,
        String eventID,
        String eventName,
        String invokeIdentityArn,
        String awsRegion,
        String eventSourceARN) implements LambdaRecord {

    public static final String EVENT_SOURCE = "aws:kinesis";
    public static final String EVENT_VERSION = "1.0";
    public static final String EVENT_NAME = "aws:kinesis:record";
    public static final String SCHEMA_VERSION = "1.0";

    public KinesisRecord {
        Objects.requireNonNull(kinesis, "kinesis");
    }

    /** A record read from {@code shardId} of the stream {@code streamArn}, with Lambda's constant fields. */
    public static KinesisRecord of(String shardId, Kinesis kinesis, String invokeIdentityArn, String awsRegion,
                                   String streamArn) {
        return new KinesisRecord(kinesis, EVENT_SOURCE, EVENT_VERSION, shardId + ":" + kinesis.sequenceNumber(),
                EVENT_NAME, invokeIdentityArn, awsRegion, streamArn);
    }

    /** This record's object in Lambda's event, as {@link KinesisEventJson} writes it there. */
    @Override
    public String lambdaJson() {
        return KinesisEventJson.writeRecord(this);
    }

    /** The data decoded as UTF-8: a shortcut for handlers of text or JSON records. */
    public String dataAsString() {
        return new String(kinesis.data(), StandardCharsets.UTF_8);
    }

    /**
     * @param kinesisSchemaVersion        always {@code 1.0}
     * @param partitionKey                the record's partition key (a sub-record's own key after de-aggregation)
     * @param sequenceNumber              the record's position: the Kinesis sequence number, plus
     *                                    {@code /<subSequenceNumber>} for a de-aggregated user record
     * @param data                        the payload; not copied, so do not modify it (JSON carries it as base64);
     *                                    records with equal bytes are equal
     * @param approximateArrivalTimestamp when Kinesis received the record (JSON: epoch seconds with millisecond
     *                                    fraction)
     * @param encryptionType              {@code NONE} or {@code KMS}; null when the service did not say. esm4j's
     *                                    extra: Lambda's event has no such field, so {@link KinesisEventJson} and
     *                                    {@link KinesisLambdaAdapter} leave it out
     */
    public record Kinesis(
            String kinesisSchemaVersion,
            String partitionKey,
            String sequenceNumber,
            byte[] data,
            Instant approximateArrivalTimestamp,
            @Nullable String encryptionType) {

        public Kinesis {
            Objects.requireNonNull(partitionKey, "partitionKey");
            Objects.requireNonNull(sequenceNumber, "sequenceNumber");
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(approximateArrivalTimestamp, "approximateArrivalTimestamp");
        }

        public static Kinesis of(String partitionKey, String sequenceNumber, byte[] data, Instant arrival,
                                 @Nullable String encryptionType) {
            return new Kinesis(SCHEMA_VERSION, partitionKey, sequenceNumber, data, arrival, encryptionType);
        }

        /** By the data's bytes, not the array's identity: a record read twice equals itself. */
        @Override
        public boolean equals(Object other) {
            return other instanceof Kinesis that
                    && Objects.equals(kinesisSchemaVersion, that.kinesisSchemaVersion)
                    && partitionKey.equals(that.partitionKey)
                    && sequenceNumber.equals(that.sequenceNumber)
                    && Arrays.equals(data, that.data)
                    && approximateArrivalTimestamp.equals(that.approximateArrivalTimestamp)
                    && Objects.equals(encryptionType, that.encryptionType);
        }

        @Override
        public int hashCode() {
            return Objects.hash(kinesisSchemaVersion, partitionKey, sequenceNumber, Arrays.hashCode(data),
                    approximateArrivalTimestamp, encryptionType);
        }
    }
}

package io.esm4j.dynamodbstreams;

import io.esm4j.handler.LambdaRecord;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One record of a DynamoDB event, shaped and named as Lambda sends it; {@link DynamoDbEventJson} writes it as Lambda's
 * JSON, and so does {@link #lambdaJson()} (what the S3 on-failure destination's default writer uses). Attribute
 * values are the SDK's {@link AttributeValue}s, so that the SDK's own mappers (the Enhanced Client's
 * {@code TableSchema.mapToItem}, say) read the images.
 *
 * @param eventID        the stream record's own id, unique per record: the id the idempotency store keeps
 * @param eventName      {@code INSERT}, {@code MODIFY} or {@code REMOVE}
 * @param eventVersion   the stream record's version, as DynamoDB Streams gives it ({@code 1.1})
 * @param eventSource    always {@code aws:dynamodb}
 * @param awsRegion      the table's region
 * @param dynamodb       the change itself
 * @param eventSourceARN the stream's ARN
 * @param userIdentity   set only for a delete by Time to Live: {@code dynamodb.amazonaws.com}, {@code Service}
 */
public record DynamoDbRecord(
        String eventID,
        String eventName,
        String eventVersion,
        String eventSource,
        String awsRegion,
        Dynamodb dynamodb,
        String eventSourceARN,
        @Nullable UserIdentity userIdentity) implements LambdaRecord {

    public static final String EVENT_SOURCE = "aws:dynamodb";

    public DynamoDbRecord {
        Objects.requireNonNull(eventID, "eventID");
        Objects.requireNonNull(eventName, "eventName");
        Objects.requireNonNull(dynamodb, "dynamodb");
        Objects.requireNonNull(eventSourceARN, "eventSourceARN");
    }

    /** This record's object in Lambda's event, as {@link DynamoDbEventJson#writeRecord} writes it. */
    @Override
    public String lambdaJson() {
        return DynamoDbEventJson.writeRecord(this);
    }

    /**
     * The {@code dynamodb} object: what changed. The maps are kept as given, not copied (the source passes the SDK's
     * unmodifiable maps, in the order the service wrote the attributes).
     *
     * @param approximateCreationDateTime when the change was made, in whole seconds (JSON: epoch seconds)
     * @param keys                        the item's key attributes (partition key, and sort key if the table has one)
     * @param newImage                    the item after the change; null unless the view type is NEW_IMAGE or
     *                                    NEW_AND_OLD_IMAGES and the change is not a REMOVE
     * @param oldImage                    the item before the change; null unless the view type is OLD_IMAGE or
     *                                    NEW_AND_OLD_IMAGES and the change is not an INSERT
     * @param sequenceNumber              the record's position in its shard: the id a handler returns in
     *                                    {@code batchItemFailures}, and what is checkpointed
     * @param sizeBytes                   the size of the record as DynamoDB counts it
     * @param streamViewType              KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES
     */
    public record Dynamodb(
            Instant approximateCreationDateTime,
            Map<String, AttributeValue> keys,
            @Nullable Map<String, AttributeValue> newImage,
            @Nullable Map<String, AttributeValue> oldImage,
            String sequenceNumber,
            long sizeBytes,
            String streamViewType) {

        public Dynamodb {
            Objects.requireNonNull(approximateCreationDateTime, "approximateCreationDateTime");
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(sequenceNumber, "sequenceNumber");
            Objects.requireNonNull(streamViewType, "streamViewType");
        }
    }

    /** Who made the change: only Time to Live deletes name one ({@code dynamodb.amazonaws.com}, {@code Service}). */
    public record UserIdentity(String principalId, String type) {}
}

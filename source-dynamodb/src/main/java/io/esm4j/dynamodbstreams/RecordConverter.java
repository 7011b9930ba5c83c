package io.esm4j.dynamodbstreams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.esm4j.stream.StreamRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.Record;

/** Turns the records GetRecords returns for one shard into the engine's records with Lambda-shaped payloads. */
final class RecordConverter {

    private static final JsonFactory JSON = new JsonFactory();

    private final String shardId;
    private final String streamArn;

    RecordConverter(String shardId, String streamArn) {
        this.shardId = shardId;
        this.streamArn = streamArn;
    }

    StreamRecord<DynamoDbRecord> convert(Record record) {
        software.amazon.awssdk.services.dynamodb.model.StreamRecord change = record.dynamodb();
        // An emulator may leave the creation time out; "now" keeps age-based discards from firing on it.
        Instant created = change.approximateCreationDateTime() != null ? change.approximateCreationDateTime()
                : Instant.now();
        DynamoDbRecord.Dynamodb dynamodb = new DynamoDbRecord.Dynamodb(created, change.keys(),
                change.hasNewImage() ? change.newImage() : null, change.hasOldImage() ? change.oldImage() : null,
                change.sequenceNumber(), change.sizeBytes() != null ? change.sizeBytes() : 0,
                change.streamViewTypeAsString());
        Identity identity = record.userIdentity();
        DynamoDbRecord payload = new DynamoDbRecord(record.eventID(), record.eventNameAsString(),
                record.eventVersion(), record.eventSource() != null ? record.eventSource() : DynamoDbRecord.EVENT_SOURCE,
                record.awsRegion(), dynamodb, streamArn,
                identity == null ? null : new DynamoDbRecord.UserIdentity(identity.principalId(), identity.type()));
        return new StreamRecord<>(shardId, change.sequenceNumber(), partitionKey(change.keys()), created,
                DynamoDbEventJson.size(payload), payload);
    }

    /**
     * The lane key of ParallelizationFactor: the item's key attributes (partition and sort key, so that order is
     * kept per item as Lambda does) as DynamoDB JSON with the attributes sorted by name.
     */
    static String partitionKey(Map<String, AttributeValue> keys) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            AttributeJson.writeSorted(json, keys);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return out.toString();
    }
}

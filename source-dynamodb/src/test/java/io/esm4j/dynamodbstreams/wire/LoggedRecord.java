package io.esm4j.dynamodbstreams.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One stream record as the shard log keeps it: immutable, so that a GetRecords answer can be written outside the
 * server's lock. The images hold only what the stream's view type carries.
 *
 * @param creation the ApproximateCreationDateTime, whole seconds as DynamoDB Streams rounds it
 * @param ttl      a delete by Time to Live, which carries {@code userIdentity}
 */
record LoggedRecord(
        String eventId,
        String eventName,
        BigInteger sequenceNumber,
        Instant creation,
        ObjectNode keys,
        @Nullable ObjectNode newImage,
        @Nullable ObjectNode oldImage,
        long sizeBytes,
        String viewType,
        boolean ttl,
        String region) {

    /** The Record shape of GetRecords, members in the order AWS writes them (alphabetical). */
    void write(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("awsRegion", region);
        json.writeObjectFieldStart("dynamodb");
        json.writeNumberField("ApproximateCreationDateTime", creation.getEpochSecond());
        json.writeFieldName("Keys");
        json.writeTree(keys);
        if (newImage != null) {
            json.writeFieldName("NewImage");
            json.writeTree(newImage);
        }
        if (oldImage != null) {
            json.writeFieldName("OldImage");
            json.writeTree(oldImage);
        }
        json.writeStringField("SequenceNumber", sequenceNumber.toString());
        json.writeNumberField("SizeBytes", sizeBytes);
        json.writeStringField("StreamViewType", viewType);
        json.writeEndObject();
        json.writeStringField("eventID", eventId);
        json.writeStringField("eventName", eventName);
        json.writeStringField("eventSource", "aws:dynamodb");
        json.writeStringField("eventVersion", "1.1");
        if (ttl) {
            json.writeObjectFieldStart("userIdentity");
            json.writeStringField("PrincipalId", "dynamodb.amazonaws.com");
            json.writeStringField("Type", "Service");
            json.writeEndObject();
        }
        json.writeEndObject();
    }
}

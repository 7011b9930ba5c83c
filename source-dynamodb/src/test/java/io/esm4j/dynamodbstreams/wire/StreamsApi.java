package io.esm4j.dynamodbstreams.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The operations of the endpoint, after the AWS API reference: {@code DynamoDBStreams_20120810} ListStreams,
 * DescribeStream, GetShardIterator and GetRecords, and {@code DynamoDB_20120810} DescribeTable (only what a stream
 * consumer needs: the key schema, StreamSpecification and LatestStreamArn). Each reads the request under the server's
 * lock and returns an {@link Answer} over immutable data, written out after the lock is released.
 */
final class StreamsApi {

    /** A JSON 1.0 response body. */
    @FunctionalInterface
    interface Answer {
        void write(JsonGenerator json) throws IOException;
    }

    private static final int MAX_GET_RECORDS = 1_000;
    /** GetRecords returns at most 1 MB of records (by their SizeBytes), whichever limit comes first. */
    private static final long MAX_GET_RECORDS_BYTES = 1024 * 1024;
    private static final int MAX_DESCRIBE_LIMIT = 100;

    private final Object lock;
    private final Clock clock;
    private final Map<String, TestTable> tables;

    StreamsApi(Object lock, Clock clock, Map<String, TestTable> tables) {
        this.lock = lock;
        this.clock = clock;
        this.tables = tables;
    }

    Answer call(String operation, JsonNode request) {
        synchronized (lock) {
            return switch (operation) {
                case "DynamoDBStreams_20120810.ListStreams" -> listStreams(request);
                case "DynamoDBStreams_20120810.DescribeStream" -> describeStream(request);
                case "DynamoDBStreams_20120810.GetShardIterator" -> getShardIterator(request);
                case "DynamoDBStreams_20120810.GetRecords" -> getRecords(request);
                case "DynamoDB_20120810.DescribeTable" -> describeTable(request);
                default -> throw WireError.unknownOperation(operation);
            };
        }
    }

    private Answer listStreams(JsonNode request) {
        String table = optionalText(request, "TableName");
        int limit = limit(request, MAX_DESCRIBE_LIMIT);
        String exclusiveStart = optionalText(request, "ExclusiveStartStreamArn");
        List<TestTable> streams = tables.values().stream().filter(t -> t.viewType != null)
                .filter(t -> table == null || t.name.equals(table))
                .sorted((a, b) -> a.streamArn().compareTo(b.streamArn()))
                .filter(t -> exclusiveStart == null || t.streamArn().compareTo(exclusiveStart) > 0)
                .toList();
        List<TestTable> page = streams.subList(0, Math.min(limit, streams.size()));
        String lastEvaluated = streams.size() > limit ? page.getLast().streamArn() : null;
        return json -> {
            json.writeStartObject();
            if (lastEvaluated != null) {
                json.writeStringField("LastEvaluatedStreamArn", lastEvaluated);
            }
            json.writeArrayFieldStart("Streams");
            for (TestTable t : page) {
                json.writeStartObject();
                json.writeStringField("StreamArn", t.streamArn());
                json.writeStringField("StreamLabel", t.streamLabel);
                json.writeStringField("TableName", t.name);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        };
    }

    private record ShardView(String shardId, @Nullable String parent, BigInteger start, @Nullable BigInteger end) {}

    private Answer describeStream(JsonNode request) {
        TestTable table = stream(requiredText(request, "StreamArn"));
        int limit = limit(request, MAX_DESCRIBE_LIMIT);
        String exclusiveStart = optionalText(request, "ExclusiveStartShardId");
        int from = 0;
        if (exclusiveStart != null) {
            // DynamoDB Streams returns the shards after the named one in its listing order.
            from = table.shardIds().indexOf(exclusiveStart) + 1;
        }
        List<ShardView> page = new ArrayList<>();
        for (int i = from; i < table.shards.size() && page.size() < limit; i++) {
            ShardLog s = table.shards.get(i);
            page.add(new ShardView(s.shardId, s.parentShardId, s.startingSequenceNumber, s.endingSequenceNumber()));
        }
        boolean more = from + page.size() < table.shards.size();
        String lastEvaluated = more ? page.getLast().shardId() : null;
        String arn = table.streamArn();
        return json -> {
            json.writeStartObject();
            json.writeObjectFieldStart("StreamDescription");
            json.writeNumberField("CreationRequestDateTime", table.created.toEpochMilli() / 1000.0);
            json.writeArrayFieldStart("KeySchema");
            writeKeySchema(json, table);
            json.writeEndArray();
            if (lastEvaluated != null) {
                json.writeStringField("LastEvaluatedShardId", lastEvaluated);
            }
            json.writeArrayFieldStart("Shards");
            for (ShardView s : page) {
                json.writeStartObject();
                if (s.parent() != null) {
                    json.writeStringField("ParentShardId", s.parent());
                }
                json.writeObjectFieldStart("SequenceNumberRange");
                if (s.end() != null) {
                    json.writeStringField("EndingSequenceNumber", s.end().toString());
                }
                json.writeStringField("StartingSequenceNumber", s.start().toString());
                json.writeEndObject();
                json.writeStringField("ShardId", s.shardId());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeStringField("StreamArn", arn);
            json.writeStringField("StreamLabel", table.streamLabel);
            json.writeStringField("StreamStatus", table.streamStatus);
            json.writeStringField("StreamViewType", table.viewType.name());
            json.writeStringField("TableName", table.name);
            json.writeEndObject();
            json.writeEndObject();
        };
    }

    private Answer getShardIterator(JsonNode request) {
        String arn = requiredText(request, "StreamArn");
        String shardId = requiredText(request, "ShardId");
        String type = requiredText(request, "ShardIteratorType");
        String sequenceNumber = optionalText(request, "SequenceNumber");
        TestTable table = stream(arn);
        ShardLog shard = table.shard(shardId).orElseThrow(() -> WireError.resourceNotFound(
                "Shard does not exist"));
        BigInteger position = switch (type) {
            case "TRIM_HORIZON" -> shard.trimHorizon();
            case "LATEST" -> shard.afterLast();
            case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER" -> {
                BigInteger number = sequenceNumber(sequenceNumber, type, shard);
                yield type.equals("AT_SEQUENCE_NUMBER") ? number.subtract(BigInteger.ONE) : number;
            }
            default -> throw WireError.validation("1 validation error detected: Value '" + type
                    + "' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: "
                    + "[AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]");
        };
        if (shard.trimmedAfter(position)) {
            throw WireError.trimmedDataAccess();
        }
        String iterator = ShardIterators.encode(arn, shardId, position, clock.instant());
        return json -> {
            json.writeStartObject();
            json.writeStringField("ShardIterator", iterator);
            json.writeEndObject();
        };
    }

    private static BigInteger sequenceNumber(@Nullable String text, String type, ShardLog shard) {
        if (text == null) {
            throw WireError.validation("SequenceNumber is required for ShardIteratorType " + type);
        }
        BigInteger number;
        try {
            number = new BigInteger(text);
        } catch (NumberFormatException e) {
            throw WireError.validation("Invalid SequenceNumber: " + text);
        }
        BigInteger end = shard.endingSequenceNumber();
        if (number.compareTo(shard.startingSequenceNumber) < 0 || (end != null && number.compareTo(end) > 0)) {
            throw WireError.validation("Invalid SequenceNumber: " + text + " is not in shard " + shard.shardId);
        }
        return number;
    }

    private Answer getRecords(JsonNode request) {
        String iterator = requiredText(request, "ShardIterator");
        int limit = limit(request, MAX_GET_RECORDS);
        ShardIterators.Position position = ShardIterators.decode(iterator);
        Instant now = clock.instant();
        if (now.toEpochMilli() - position.issued().toEpochMilli() > ShardIterators.LIFETIME_MILLIS) {
            throw WireError.expiredIterator("Iterator expired. The iterator was created at time "
                    + position.issued() + " while right now the time is " + now);
        }
        TestTable table = stream(position.streamArn());
        ShardLog shard = table.shard(position.shardId()).orElseThrow(() -> WireError.resourceNotFound(
                "Shard does not exist"));
        if (shard.trimmedAfter(position.after())) {
            throw WireError.trimmedDataAccess();
        }
        List<LoggedRecord> records;
        BigInteger next;
        if (shard.emptyPagesToServe > 0) {
            shard.emptyPagesToServe--;
            records = List.of();
            next = position.after();
        } else {
            records = page(shard, shard.indexAfter(position.after()), limit);
            next = records.isEmpty() ? position.after() : records.getLast().sequenceNumber();
        }
        boolean end = !shard.open() && records.size() < limit && shard.indexAfter(next) == shard.records.size()
                && shard.emptyPagesToServe == 0;
        String nextIterator = end ? null : ShardIterators.encode(position.streamArn(), position.shardId(), next, now);
        return json -> {
            json.writeStartObject();
            if (nextIterator != null) {
                json.writeStringField("NextShardIterator", nextIterator);
            }
            json.writeArrayFieldStart("Records");
            for (LoggedRecord record : records) {
                record.write(json);
            }
            json.writeEndArray();
            json.writeEndObject();
        };
    }

    /** Up to {@code limit} records from {@code from}, and no more than 1 MB of them (but at least one). */
    private static List<LoggedRecord> page(ShardLog shard, int from, int limit) {
        List<LoggedRecord> page = new ArrayList<>();
        long bytes = 0;
        for (int i = from; i < shard.records.size() && page.size() < limit; i++) {
            LoggedRecord record = shard.records.get(i);
            bytes += record.sizeBytes();
            if (!page.isEmpty() && bytes > MAX_GET_RECORDS_BYTES) {
                break;
            }
            page.add(record);
        }
        return List.copyOf(page);
    }

    private Answer describeTable(JsonNode request) {
        String name = requiredText(request, "TableName");
        TestTable table = tables.get(name);
        if (table == null) {
            throw WireError.resourceNotFound("Table: " + name + " not found");
        }
        // Read under the lock: a test may enable or disable the stream meanwhile.
        String latestArn = table.viewType != null ? table.latestStreamArn() : null;
        String latestLabel = table.latestStreamLabel;
        boolean enabled = table.streamEnabled;
        return json -> {
            json.writeStartObject();
            json.writeObjectFieldStart("Table");
            json.writeArrayFieldStart("AttributeDefinitions");
            json.writeEndArray();
            json.writeNumberField("CreationDateTime", table.created.toEpochMilli() / 1000.0);
            json.writeArrayFieldStart("KeySchema");
            writeKeySchema(json, table);
            json.writeEndArray();
            if (table.viewType != null) {
                json.writeStringField("LatestStreamArn", latestArn);
                json.writeStringField("LatestStreamLabel", latestLabel);
                json.writeObjectFieldStart("StreamSpecification");
                json.writeBooleanField("StreamEnabled", enabled);
                json.writeStringField("StreamViewType", table.viewType.name());
                json.writeEndObject();
            }
            json.writeStringField("TableArn", "arn:aws:dynamodb:" + TestTable.REGION + ":" + TestTable.ACCOUNT
                    + ":table/" + table.name);
            json.writeStringField("TableName", table.name);
            json.writeStringField("TableStatus", "ACTIVE");
            json.writeEndObject();
            json.writeEndObject();
        };
    }

    private static void writeKeySchema(JsonGenerator json, TestTable table) throws IOException {
        json.writeStartObject();
        json.writeStringField("AttributeName", table.hashKey);
        json.writeStringField("KeyType", "HASH");
        json.writeEndObject();
        if (table.rangeKey != null) {
            json.writeStartObject();
            json.writeStringField("AttributeName", table.rangeKey);
            json.writeStringField("KeyType", "RANGE");
            json.writeEndObject();
        }
    }

    private TestTable stream(String arn) {
        return tables.values().stream().filter(t -> t.viewType != null && t.streamArn().equals(arn)).findFirst()
                .orElseThrow(() -> WireError.resourceNotFound("Stream: " + arn + " not found"));
    }

    private static int limit(JsonNode request, int max) {
        JsonNode limit = request.get("Limit");
        if (limit == null || limit.isNull()) {
            return max;
        }
        int value = limit.asInt();
        if (value < 1) {
            throw WireError.validation("1 validation error detected: Value '" + value + "' at 'limit' failed to "
                    + "satisfy constraint: Member must have value greater than or equal to 1");
        }
        if (value > max) {
            throw WireError.validation("1 validation error detected: Value '" + value + "' at 'limit' failed to "
                    + "satisfy constraint: Member must have value less than or equal to " + max);
        }
        return value;
    }

    private static String requiredText(JsonNode request, String member) {
        String value = optionalText(request, member);
        if (value == null) {
            String field = Character.toLowerCase(member.charAt(0)) + member.substring(1);
            throw WireError.validation("1 validation error detected: Value null at '" + field
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return value;
    }

    private static @Nullable String optionalText(JsonNode request, String member) {
        JsonNode value = request.get(member);
        return value == null || value.isNull() ? null : value.asText();
    }
}

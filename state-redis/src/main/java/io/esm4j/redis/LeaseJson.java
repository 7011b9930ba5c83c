package io.esm4j.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A lease as the JSON value of its shard's field in the mapping's hash. The scripts read and write it with Redis's
 * cjson: they compare {@code owner} and {@code counter} and change only the fields of their operation. An absent
 * field is a null; cjson writes an empty array as {@code {}}, so an empty object reads as no parents.
 *
 * <pre>{"owner":"w1","counter":7,"checkpoint":{"type":"AT_SEQUENCE_NUMBER","sequenceNumber":"4960..."},
 *  "parents":["shardId-000000000000"],"switches":0,"handoffTo":"w2","failoverTimeMs":10000,"failoverTimeCounter":7,
 *  "write":"...","checkpointWrite":12}</pre>
 * {@code write} and {@code checkpointWrite} are the scripts' own (RedisLeaseStore) and not part of the lease read here.
 */
final class LeaseJson {

    static final String OWNER = "owner";
    static final String COUNTER = "counter";
    static final String CHECKPOINT = "checkpoint";
    static final String PARENTS = "parents";
    static final String SWITCHES = "switches";
    static final String HANDOFF_TO = "handoffTo";
    /** The holder's FailoverTime in ms as its renewal recorded it, and the counter it was recorded with. */
    static final String FAILOVER_TIME = "failoverTimeMs";
    static final String FAILOVER_TIME_COUNTER = "failoverTimeCounter";
    private static final String TYPE = "type";
    private static final String SEQUENCE_NUMBER = "sequenceNumber";
    private static final String TIMESTAMP = "timestamp";

    private static final ObjectMapper JSON = new ObjectMapper();

    private LeaseJson() {}

    static String write(Lease lease) {
        ObjectNode node = JSON.createObjectNode();
        if (lease.owner() != null) {
            node.put(OWNER, lease.owner());
        }
        node.put(COUNTER, lease.counter());
        node.set(CHECKPOINT, checkpoint(lease.checkpoint()));
        lease.parentIds().forEach(node.putArray(PARENTS)::add);
        node.put(SWITCHES, lease.ownerSwitchesSinceCheckpoint());
        if (lease.handoffTo() != null) {
            node.put(HANDOFF_TO, lease.handoffTo());
        }
        if (lease.ownerFailoverTime() != null) {
            node.put(FAILOVER_TIME, lease.ownerFailoverTime().toMillis());
            node.put(FAILOVER_TIME_COUNTER, lease.counter());
        }
        return node.toString();
    }

    static String write(Checkpoint checkpoint) {
        return checkpoint(checkpoint).toString();
    }

    static Lease read(String mapping, String shardId, String json) {
        try {
            JsonNode node = JSON.readTree(json);
            List<String> parents = new ArrayList<>();
            node.path(PARENTS).forEach(parent -> parents.add(parent.asText()));
            long counter = number(node, COUNTER);
            return new Lease(mapping, shardId, text(node, OWNER), counter, checkpoint(node.get(CHECKPOINT)), parents,
                    number(node, SWITCHES), text(node, HANDOFF_TO), failoverTime(node, counter));
        } catch (JsonProcessingException | IllegalArgumentException | DateTimeParseException e) {
            throw new IllegalStateException("The lease of shard " + shardId + " of mapping " + mapping + " in Redis is "
                    + "not one esm4j wrote: " + e.getMessage() + ". Does something else write keys under this prefix?",
                    e);
        }
    }

    private static ObjectNode checkpoint(Checkpoint checkpoint) {
        ObjectNode node = JSON.createObjectNode();
        switch (checkpoint) {
            case Checkpoint.TrimHorizon ignored -> node.put(TYPE, "TRIM_HORIZON");
            case Checkpoint.Latest ignored -> node.put(TYPE, "LATEST");
            case Checkpoint.ShardEnd ignored -> node.put(TYPE, "SHARD_END");
            case Checkpoint.AtTimestamp at -> node.put(TYPE, "AT_TIMESTAMP").put(TIMESTAMP, at.timestamp().toString());
            case Checkpoint.AtSequenceNumber at -> node.put(TYPE, "AT_SEQUENCE_NUMBER")
                    .put(SEQUENCE_NUMBER, at.sequenceNumber());
        }
        return node;
    }

    private static Checkpoint checkpoint(JsonNode node) {
        String type = node == null ? "" : node.path(TYPE).asText();
        return switch (type) {
            case "TRIM_HORIZON" -> Checkpoint.TrimHorizon.INSTANCE;
            case "LATEST" -> Checkpoint.Latest.INSTANCE;
            case "SHARD_END" -> Checkpoint.ShardEnd.INSTANCE;
            case "AT_TIMESTAMP" -> new Checkpoint.AtTimestamp(Instant.parse(required(node, TIMESTAMP)));
            case "AT_SEQUENCE_NUMBER" -> new Checkpoint.AtSequenceNumber(required(node, SEQUENCE_NUMBER));
            default -> throw new IllegalArgumentException("checkpoint " + node + " has no known type");
        };
    }

    private static String required(JsonNode node, String field) {
        String value = text(node, field);
        if (value == null) {
            throw new IllegalArgumentException("checkpoint " + node + " has no " + field);
        }
        return value;
    }

    /**
     * The holder's FailoverTime, if the renewal that made the present counter recorded it: a lease an older version
     * wrote has no such field, or one an earlier holder's renewal left at an earlier counter. It only informs a
     * warning: a malformed one reads as unknown.
     */
    private static @Nullable Duration failoverTime(JsonNode node, long counter) {
        JsonNode millis = node.get(FAILOVER_TIME);
        JsonNode writtenAt = node.get(FAILOVER_TIME_COUNTER);
        if (millis == null || !millis.isNumber() || writtenAt == null || !writtenAt.isNumber()
                || writtenAt.asLong() != counter || millis.asLong() <= 0) {
            return null;
        }
        return Duration.ofMillis(millis.asLong());
    }

    private static @Nullable String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isNumber()) {
            throw new IllegalArgumentException(field + " is " + value + ", expected a number");
        }
        return value.asLong();
    }
}

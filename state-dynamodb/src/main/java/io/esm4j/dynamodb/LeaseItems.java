package io.esm4j.dynamodb;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A {@link Lease} as an item of the lease table, and back. Names follow the KCL's lease table where the meaning is
 * the same (leaseOwner, leaseCounter, checkpoint, parentShardIds, ownerSwitchesSinceCheckpoint), so that a person who
 * knows one reads the other.
 *
 * <p>The checkpoint is one string: a sequence number, or one of the KCL's sentinels TRIM_HORIZON, LATEST,
 * AT_TIMESTAMP (its instant in {@code checkpointTimestamp}, ISO-8601) and SHARD_END. A Kinesis position inside a KPL
 * aggregate stays the source's own text {@code <sequenceNumber>/<subSequenceNumber>}: the store does not split it into
 * the KCL's checkpointSubSequenceNumber, because positions are the source's business and other sources write other
 * forms. An owner-less lease has no leaseOwner attribute; a lease nobody asked for has no handoffTo attribute (esm4j's
 * own: the worker that asked the owner to hand the lease over).
 */
final class LeaseItems {

    static final String MAPPING = "mapping";
    static final String SHARD_ID = "shardId";
    static final String OWNER = "leaseOwner";
    static final String COUNTER = "leaseCounter";
    static final String CHECKPOINT = "checkpoint";
    static final String CHECKPOINT_TIMESTAMP = "checkpointTimestamp";
    static final String PARENTS = "parentShardIds";
    static final String OWNER_SWITCHES = "ownerSwitchesSinceCheckpoint";
    static final String HANDOFF_TO = "handoffTo";
    /**
     * esm4j's own, written by renewals: the holder's FailoverTime in milliseconds, and the counter it was written
     * with. The value is the lease's only while the counter is that one (see {@link #fromItem}).
     */
    static final String FAILOVER_TIME = "ownerFailoverTimeMs";
    static final String FAILOVER_TIME_COUNTER = "ownerFailoverTimeCounter";
    /** esm4j's own, written by checkpoints only: see DynamoDbLeaseStore#checkpoint. Not part of a Lease. */
    static final String CHECKPOINT_WRITE = "checkpointWrite";

    static final String TRIM_HORIZON = "TRIM_HORIZON";
    static final String LATEST = "LATEST";
    static final String AT_TIMESTAMP = "AT_TIMESTAMP";
    static final String SHARD_END = "SHARD_END";
    private static final Set<String> SENTINELS = Set.of(TRIM_HORIZON, LATEST, AT_TIMESTAMP, SHARD_END);

    private LeaseItems() {}

    static Map<String, AttributeValue> key(String mapping, String shardId) {
        return Map.of(MAPPING, s(mapping), SHARD_ID, s(shardId));
    }

    static Map<String, AttributeValue> key(Lease lease) {
        return key(lease.mapping(), lease.shardId());
    }

    static Map<String, AttributeValue> toItem(Lease lease) {
        Map<String, AttributeValue> item = new HashMap<>(key(lease));
        if (lease.owner() != null) {
            item.put(OWNER, s(lease.owner()));
        }
        item.put(COUNTER, n(lease.counter()));
        item.putAll(checkpoint(lease.checkpoint()));
        item.put(PARENTS, AttributeValue.fromL(lease.parentIds().stream().map(LeaseItems::s).toList()));
        item.put(OWNER_SWITCHES, n(lease.ownerSwitchesSinceCheckpoint()));
        if (lease.handoffTo() != null) {
            item.put(HANDOFF_TO, s(lease.handoffTo()));
        }
        if (lease.ownerFailoverTime() != null) {
            item.put(FAILOVER_TIME, n(lease.ownerFailoverTime().toMillis()));
            item.put(FAILOVER_TIME_COUNTER, n(lease.counter()));
        }
        return item;
    }

    /** The checkpoint attribute, and checkpointTimestamp for AT_TIMESTAMP. */
    static Map<String, AttributeValue> checkpoint(Checkpoint checkpoint) {
        return switch (checkpoint) {
            case Checkpoint.TrimHorizon t -> Map.of(CHECKPOINT, s(TRIM_HORIZON));
            case Checkpoint.Latest l -> Map.of(CHECKPOINT, s(LATEST));
            case Checkpoint.ShardEnd e -> Map.of(CHECKPOINT, s(SHARD_END));
            case Checkpoint.AtTimestamp at -> Map.of(CHECKPOINT, s(AT_TIMESTAMP),
                    CHECKPOINT_TIMESTAMP, s(at.timestamp().toString()));
            case Checkpoint.AtSequenceNumber at -> {
                if (SENTINELS.contains(at.sequenceNumber())) {
                    throw new IllegalArgumentException("A sequence number cannot be '" + at.sequenceNumber()
                            + "': the lease table reads it as a starting position. Expected a source's position, "
                            + "not one of " + SENTINELS);
                }
                yield Map.of(CHECKPOINT, s(at.sequenceNumber()));
            }
        };
    }

    static Lease fromItem(String table, Map<String, AttributeValue> item) {
        String mapping = string(table, item, MAPPING);
        String shardId = string(table, item, SHARD_ID);
        AttributeValue owner = item.get(OWNER);
        AttributeValue handoffTo = item.get(HANDOFF_TO);
        List<String> parents = item.containsKey(PARENTS)
                ? item.get(PARENTS).l().stream().map(AttributeValue::s).toList() : List.of();
        long counter = number(table, item, COUNTER);
        return new Lease(mapping, shardId, owner == null ? null : owner.s(), counter, checkpointOf(table, item),
                parents, number(table, item, OWNER_SWITCHES), handoffTo == null ? null : handoffTo.s(),
                failoverTime(item, counter));
    }

    /**
     * The holder's FailoverTime if the renewal that made the present counter recorded it. An item written before
     * there was one has neither attribute; a worker of such a version leaves them as they were (an UpdateItem keeps
     * what it does not name) while it moves the counter on, so a value is believed only at its own counter, and
     * never passed off as a later holder's. It only informs a warning: a malformed one reads as unknown.
     */
    private static @Nullable Duration failoverTime(Map<String, AttributeValue> item, long counter) {
        AttributeValue millis = item.get(FAILOVER_TIME);
        AttributeValue writtenAt = item.get(FAILOVER_TIME_COUNTER);
        if (millis == null || millis.n() == null || writtenAt == null || writtenAt.n() == null) {
            return null;
        }
        try {
            long value = Long.parseLong(millis.n());
            return Long.parseLong(writtenAt.n()) == counter && value > 0 ? Duration.ofMillis(value) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Checkpoint checkpointOf(String table, Map<String, AttributeValue> item) {
        String text = string(table, item, CHECKPOINT);
        return switch (text) {
            case TRIM_HORIZON -> Checkpoint.TrimHorizon.INSTANCE;
            case LATEST -> Checkpoint.Latest.INSTANCE;
            case SHARD_END -> Checkpoint.ShardEnd.INSTANCE;
            case AT_TIMESTAMP -> {
                String timestamp = string(table, item, CHECKPOINT_TIMESTAMP);
                try {
                    yield new Checkpoint.AtTimestamp(Instant.parse(timestamp));
                } catch (DateTimeParseException e) {
                    throw malformed(table, item, CHECKPOINT_TIMESTAMP, "an ISO-8601 instant (S)");
                }
            }
            default -> new Checkpoint.AtSequenceNumber(text);
        };
    }

    private static String string(String table, Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || value.s() == null) {
            throw malformed(table, item, name, "a string (S)");
        }
        return value.s();
    }

    private static long number(String table, Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value != null && value.n() != null) {
            try {
                return Long.parseLong(value.n());
            } catch (NumberFormatException e) {
                // Named below with the value found.
            }
        }
        throw malformed(table, item, name, "a whole number (N)");
    }

    private static IllegalStateException malformed(String table, Map<String, AttributeValue> item, String name,
                                                   String expected) {
        return new IllegalStateException("Lease item mapping '" + keyText(item.get(MAPPING)) + "', shardId '"
                + keyText(item.get(SHARD_ID)) + "' in table '" + table + "' has a missing or malformed attribute "
                + name + ": found " + found(item.get(name)) + ", expected " + expected + "; was it written by "
                + "something other than esm4j?");
    }

    private static String keyText(@Nullable AttributeValue value) {
        return value == null || value.s() == null ? "?" : value.s();
    }

    /** The attribute's type and, for a string or number, its value: what an operator looks for in the console. */
    private static String found(@Nullable AttributeValue value) {
        if (value == null) {
            return "none";
        }
        return switch (value.type()) {
            case S -> "S '" + value.s() + "'";
            case N -> "N " + value.n();
            default -> String.valueOf(value.type());
        };
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}

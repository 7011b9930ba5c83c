package io.esm4j.dynamodbstreams.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A table of the test endpoint and, when it has one, its stream: the items by key, and the shard log the test
 * drives. Writes produce stream records as DynamoDB does: INSERT for a new item, MODIFY for a changed one (a write that
 * changes nothing produces no record), REMOVE for a delete, with the images the {@link ViewType} carries. Every method
 * takes the server's lock, so the test may call them while mappings read.
 */
public final class TestTable {

    /** What a stream record carries besides the keys (the table's StreamSpecification). */
    public enum ViewType { KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES }

    /** A stream record as written: where it landed and its ids, for assertions. */
    public record Written(String eventId, String eventName, String shardId, String sequenceNumber, String keysJson) {}

    static final String REGION = "us-east-1";
    static final String ACCOUNT = "000000000000";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter LABEL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);
    private static final BigInteger HASH_SPACE = BigInteger.ONE.shiftLeft(64);

    private final Object lock;
    private final Clock clock;
    private final SequenceNumbers sequenceNumbers;
    final String name;
    final String hashKey;
    final @Nullable String rangeKey;
    final @Nullable ViewType viewType;
    final Instant created;
    final @Nullable String streamLabel;
    private final Map<String, ObjectNode> items = new HashMap<>();
    /** StreamStatus as DescribeStream answers it: ENABLED until {@link #disableStream()}. */
    String streamStatus = "ENABLED";
    /** DescribeTable's StreamEnabled: false from {@link #disableStream()} until {@link #enableStreamAgain()}. */
    boolean streamEnabled = true;
    /** DescribeTable's LatestStreamLabel: the stream's own until {@link #enableStreamAgain()}. */
    @Nullable String latestStreamLabel;
    /** Every shard the stream lists, in creation order (parents before children). */
    final List<ShardLog> shards = new ArrayList<>();

    TestTable(Object lock, Clock clock, SequenceNumbers sequenceNumbers, String name, String hashKey,
              @Nullable String rangeKey, @Nullable ViewType viewType, int shardCount) {
        this.lock = lock;
        this.clock = clock;
        this.sequenceNumbers = sequenceNumbers;
        this.name = name;
        this.hashKey = hashKey;
        this.rangeKey = rangeKey;
        this.viewType = viewType;
        this.created = clock.instant();
        this.streamLabel = viewType == null ? null : LABEL.format(created);
        this.latestStreamLabel = streamLabel;
        if (viewType != null) {
            BigInteger width = HASH_SPACE.divide(BigInteger.valueOf(shardCount));
            for (int i = 0; i < shardCount; i++) {
                BigInteger low = width.multiply(BigInteger.valueOf(i));
                BigInteger high = i == shardCount - 1 ? HASH_SPACE.subtract(BigInteger.ONE)
                        : low.add(width).subtract(BigInteger.ONE);
                shards.add(newShard(null, low.longValue(), high.longValue()));
            }
        }
    }

    public String name() {
        return name;
    }

    /** The stream's ARN, as DescribeTable's LatestStreamArn gives it. */
    public String streamArn() {
        if (streamLabel == null) {
            throw new IllegalStateException("table " + name + " has no stream");
        }
        return "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + name + "/stream/" + streamLabel;
    }

    /** DescribeTable's LatestStreamArn: {@link #streamArn()} until {@link #enableStreamAgain()}. */
    public String latestStreamArn() {
        synchronized (lock) {
            streamArn();
            return "arn:aws:dynamodb:" + REGION + ":" + ACCOUNT + ":table/" + name + "/stream/" + latestStreamLabel;
        }
    }

    /** Writes an item given in DynamoDB JSON; empty if the item was already exactly that (no stream record). */
    public Optional<Written> put(String itemJson) {
        ObjectNode item = ItemJson.parseItem(itemJson);
        ObjectNode keys = keysOf(item);
        synchronized (lock) {
            ObjectNode old = items.put(keys.toString(), item);
            if (item.equals(old)) {
                return Optional.empty();
            }
            return Optional.of(append(old == null ? "INSERT" : "MODIFY", keys, item, old, false));
        }
    }

    /** Deletes the item with these keys (DynamoDB JSON); empty if there was none (no stream record). */
    public Optional<Written> delete(String keysJson) {
        return remove(keysJson, false);
    }

    /** Deletes the item as Time to Live does: the record carries {@code userIdentity}. */
    public Optional<Written> expire(String keysJson) {
        return remove(keysJson, true);
    }

    private Optional<Written> remove(String keysJson, boolean ttl) {
        ObjectNode keys = keysOf(ItemJson.parseItem(keysJson));
        synchronized (lock) {
            ObjectNode old = items.remove(keys.toString());
            return old == null ? Optional.empty() : Optional.of(append("REMOVE", keys, null, old, ttl));
        }
    }

    /** Closes every open shard and opens one child for each, as DynamoDB does every few hours. */
    public List<String> rollover() {
        synchronized (lock) {
            List<String> children = new ArrayList<>();
            for (ShardLog parent : openShards()) {
                parent.close(clock.instant());
                ShardLog child = newShard(parent.shardId, parent.hashLow, parent.hashHigh);
                shards.add(child);
                children.add(child.shardId);
            }
            return children;
        }
    }

    /**
     * Disables the stream, as UpdateTable with {@code StreamEnabled: false} does: every open shard is closed without a
     * child, DescribeStream says DISABLED, and what the shards hold stays readable; writes make no more records.
     */
    public void disableStream() {
        synchronized (lock) {
            openShards().forEach(shard -> shard.close(clock.instant()));
            streamStatus = "DISABLED";
            streamEnabled = false;
        }
    }

    /**
     * Enables a stream on the table after {@link #disableStream()}, as UpdateTable with {@code StreamEnabled: true}
     * does: DescribeTable then names a new stream, with a new label, as LatestStreamArn. This endpoint serves only a
     * table's first stream, which stays DISABLED and readable; the new one is named, not served.
     */
    public void enableStreamAgain() {
        synchronized (lock) {
            if (streamEnabled) {
                throw new IllegalStateException("the stream of table " + name + " is enabled already");
            }
            Instant now = clock.instant();
            String label = LABEL.format(now);
            latestStreamLabel = label.equals(latestStreamLabel) ? LABEL.format(now.plusMillis(1)) : label;
            streamEnabled = true;
        }
    }

    /** Closes an open shard and opens two children, each taking half of its keys. */
    public List<String> split(String shardId) {
        synchronized (lock) {
            ShardLog parent = shard(shardId).orElseThrow(() -> new IllegalArgumentException("no shard " + shardId));
            if (!parent.open()) {
                throw new IllegalStateException("shard " + shardId + " is already closed");
            }
            parent.close(clock.instant());
            long middle = parent.hashLow + ((parent.hashHigh - parent.hashLow) >>> 1);
            ShardLog left = newShard(shardId, parent.hashLow, middle);
            ShardLog right = newShard(shardId, middle + 1, parent.hashHigh);
            shards.add(left);
            shards.add(right);
            return List.of(left.shardId, right.shardId);
        }
    }

    /**
     * Trims the records older than {@code retention} by the server's clock, as DynamoDB Streams does after 24 hours;
     * a closed shard left with nothing is no longer listed.
     */
    public void trimOlderThan(Duration retention) {
        synchronized (lock) {
            Instant cutoff = clock.instant().minus(retention);
            shards.removeIf(shard -> shard.trimBefore(cutoff) && !shard.open()
                    && shard.closedAt().isBefore(cutoff));
        }
    }

    /** The next {@code pages} GetRecords answers on the shard are empty but go on, as DynamoDB Streams' may. */
    public void emptyPages(String shardId, int pages) {
        synchronized (lock) {
            shard(shardId).orElseThrow(() -> new IllegalArgumentException("no shard " + shardId))
                    .emptyPagesToServe = pages;
        }
    }

    /** The ids of the shards the stream lists, in creation order. */
    public List<String> shardIds() {
        synchronized (lock) {
            return shards.stream().map(s -> s.shardId).toList();
        }
    }

    public List<String> openShardIds() {
        synchronized (lock) {
            return openShards().stream().map(s -> s.shardId).toList();
        }
    }

    private List<ShardLog> openShards() {
        return shards.stream().filter(ShardLog::open).toList();
    }

    Optional<ShardLog> shard(String shardId) {
        return shards.stream().filter(s -> s.shardId.equals(shardId)).findFirst();
    }

    private ShardLog newShard(@Nullable String parent, long low, long high) {
        return new ShardLog(sequenceNumbers.newShardId(clock.instant()), parent, low, high,
                sequenceNumbers.next());
    }

    /** The key attributes of an item, in a canonical (sorted) order. */
    private ObjectNode keysOf(ObjectNode item) {
        TreeMap<String, JsonNode> keys = new TreeMap<>();
        for (String key : rangeKey == null ? List.of(hashKey) : List.of(hashKey, rangeKey)) {
            JsonNode value = item.get(key);
            if (value == null) {
                throw new IllegalArgumentException("the item has no key attribute " + key + ": " + item);
            }
            String type = ItemJson.typeOf(key, value);
            if (!type.equals("S") && !type.equals("N") && !type.equals("B")) {
                throw new IllegalArgumentException("key attribute " + key + " must be S, N or B but was " + type);
            }
            keys.put(key, value);
        }
        ObjectNode node = NODES.objectNode();
        keys.forEach(node::set);
        return node;
    }

    private Written append(String eventName, ObjectNode keys, @Nullable ObjectNode newItem,
                           @Nullable ObjectNode oldItem, boolean ttl) {
        if (viewType == null || streamStatus.equals("DISABLED")) {
            return new Written("", eventName, "", "", keys.toString());
        }
        long hash = ItemJson.hash(keys.get(hashKey));
        ShardLog shard = openShards().stream().filter(s -> s.takes(hash)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no open shard takes hash " + Long.toUnsignedString(hash)));
        ObjectNode newImage = viewType == ViewType.NEW_IMAGE || viewType == ViewType.NEW_AND_OLD_IMAGES
                ? newItem : null;
        ObjectNode oldImage = viewType == ViewType.OLD_IMAGE || viewType == ViewType.NEW_AND_OLD_IMAGES
                ? oldItem : null;
        long size = ItemJson.size(keys) + (newImage == null ? 0 : ItemJson.size(newImage))
                + (oldImage == null ? 0 : ItemJson.size(oldImage));
        String eventId = UUID.randomUUID().toString().replace("-", "");
        LoggedRecord record = new LoggedRecord(eventId, eventName, sequenceNumbers.next(),
                clock.instant().truncatedTo(ChronoUnit.SECONDS), keys, newImage, oldImage, size, viewType.name(), ttl,
                REGION);
        shard.records.add(record);
        return new Written(eventId, eventName, shard.shardId, record.sequenceNumber().toString(), keys.toString());
    }
}

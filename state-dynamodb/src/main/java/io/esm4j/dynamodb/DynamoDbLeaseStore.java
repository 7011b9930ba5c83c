package io.esm4j.dynamodb;

import static io.esm4j.dynamodb.LeaseItems.n;
import static io.esm4j.dynamodb.LeaseItems.s;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * A {@link LeaseStore} in a DynamoDB table, for several workers (processes, hosts) that share a stream: one item per
 * mapping name and shard, partition key {@code mapping} and sort key {@code shardId}, so that {@link #list} is one
 * strongly consistent, paginated Query of one partition. Every write is one conditional write on one item, as the
 * SPI demands: create if absent, and every other write only if the item still has the owner and counter of the lease
 * passed in. A failed condition is {@link LeaseWrite.Lost} carrying the item as it is now (from
 * ReturnValuesOnConditionCheckFailure where the server returns it, otherwise from a strongly consistent GetItem).
 *
 * <p>Throttling and 5xx errors are retried by the SDK client's retry policy; what is still failing after it is thrown,
 * and the engine retries with backoff and shows it. A write whose request reached DynamoDB but whose response was lost
 * is retried by the SDK and then fails its condition, since the first attempt moved the counter: when a retried
 * request finds the item exactly as this write makes it (only this write can make it: an owner and counter pair never
 * repeats), the write is reported {@link LeaseWrite.Written}, so that a lost response does not count as a lost
 * lease.
 *
 * <p>The table is created on first use if missing ({@link DynamoDbLeaseStoreSettings#createTableIfMissing()}). The
 * store never reads a clock: expiry is each worker's own judgement (esm-core's coordinator). Thread-safe.
 */
public final class DynamoDbLeaseStore implements LeaseStore {

    private static final String HELD = "#owner = :owner AND #counter = :counter";
    private static final Placeholders NAMES = new Placeholders(Map.ofEntries(
            Map.entry("#mapping", LeaseItems.MAPPING), Map.entry("#shard", LeaseItems.SHARD_ID),
            Map.entry("#owner", LeaseItems.OWNER), Map.entry("#counter", LeaseItems.COUNTER),
            Map.entry("#checkpoint", LeaseItems.CHECKPOINT), Map.entry("#timestamp", LeaseItems.CHECKPOINT_TIMESTAMP),
            Map.entry("#switches", LeaseItems.OWNER_SWITCHES), Map.entry("#handoff", LeaseItems.HANDOFF_TO),
            Map.entry("#write", LeaseItems.CHECKPOINT_WRITE), Map.entry("#failover", LeaseItems.FAILOVER_TIME),
            Map.entry("#failoverAt", LeaseItems.FAILOVER_TIME_COUNTER)));
    /**
     * Numbers this process's checkpoint writes in the order they are made. A checkpoint leaves owner and counter
     * alone, so they cannot order two checkpoints of one holder; this number does (see {@link #checkpoint}).
     */
    private static final AtomicLong CHECKPOINT_WRITES = new AtomicLong();

    private final DynamoDbClient client;
    private final String table;
    private final TableSetup setup;
    private final @Nullable KclCheckpoints kcl;
    private final @Nullable Integer pageSize;

    /** A store on the table the settings name; the client's region, endpoint, credentials and retries are used. */
    public DynamoDbLeaseStore(DynamoDbClient client, DynamoDbLeaseStoreSettings settings) {
        this(client, settings, null);
    }

    /** @param pageSize items per Query page, or null for DynamoDB's 1 MB pages (tests use small pages) */
    DynamoDbLeaseStore(DynamoDbClient client, DynamoDbLeaseStoreSettings settings, @Nullable Integer pageSize) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = settings.tableName();
        this.setup = new TableSetup(client, table, "lease table", List.of(
                new TableSetup.KeyAttribute(LeaseItems.MAPPING, KeyType.HASH, ScalarAttributeType.S),
                new TableSetup.KeyAttribute(LeaseItems.SHARD_ID, KeyType.RANGE, ScalarAttributeType.S)),
                settings.createTableIfMissing(), settings.tableActiveTimeout(), created -> { });
        this.kcl = settings.kclLeaseTableName().map(name -> new KclCheckpoints(client, name)).orElse(null);
        this.pageSize = pageSize;
    }

    /** The lease table's name. */
    public String tableName() {
        return table;
    }

    /**
     * Makes the table ready now (created if missing and allowed, ACTIVE, its key checked) rather than at the first
     * call, so that a wrong table fails at start. The esm4j worker also keeps its API mappings in a table of this
     * shape (a partition of their own), made ready through this method.
     */
    public void ensureTable() {
        setup.ensureReady();
    }

    @Override
    public List<Lease> list(String mapping) {
        setup.ensureReady();
        List<Lease> leases = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(r -> r.tableName(table).consistentRead(true)
                    .keyConditionExpression("#mapping = :mapping").expressionAttributeNames(NAMES.of("#mapping"))
                    .expressionAttributeValues(Map.of(":mapping", s(mapping))).exclusiveStartKey(from)
                    .limit(pageSize));
            page.items().forEach(item -> leases.add(LeaseItems.fromItem(table, item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return leases;
    }

    /** Creates the lease unless its shard has one; with a KCL lease table, at the KCL's checkpoint of the shard. */
    @Override
    public boolean create(Lease lease) {
        setup.ensureReady();
        Lease created = kcl == null ? lease : kcl.continueFrom(lease);
        String condition = "attribute_not_exists(#shard)";
        try {
            client.putItem(r -> r.tableName(table).item(LeaseItems.toItem(created)).conditionExpression(condition)
                    .expressionAttributeNames(NAMES.of(condition)));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public LeaseWrite take(Lease seen, String worker) {
        Objects.requireNonNull(worker, "worker");
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":counter", n(seen.counter()));
        values.put(":worker", s(worker));
        values.put(":next", n(seen.counter() + 1));
        String condition = "#counter = :counter AND ";
        if (seen.owner() == null) {
            condition += "attribute_not_exists(#owner)";
        } else {
            condition += "#owner = :owner";
            values.put(":owner", s(seen.owner()));
        }
        String update = "SET #owner = :worker, #counter = :next";
        if (!worker.equals(seen.owner())) {
            update += ", #switches = #switches + :one";
            values.put(":one", n(1));
        }
        // A new holder numbers its checkpoints afresh (its process's numbers are not the old holder's).
        update += " REMOVE #handoff, #write, #failover, #failoverAt";
        return update(seen, update, condition, values,
                current -> worker.equals(current.owner()) && current.counter() == seen.counter() + 1);
    }

    @Override
    public LeaseWrite renew(Lease held) {
        String owner = held.owner();
        if (owner == null) {
            return new LeaseWrite.Lost(read(held));
        }
        Map<String, AttributeValue> values = heldValues(held);
        String update = "SET #counter = :next REMOVE #failover, #failoverAt";
        if (held.ownerFailoverTime() != null) {
            // Recorded with the counter it belongs to: an older version's renewal, which keeps attributes it does
            // not know, moves the counter on and so makes the value unknown instead of passing it off as its own.
            update = "SET #counter = :next, #failover = :failover, #failoverAt = :next";
            values.put(":failover", n(held.ownerFailoverTime().toMillis()));
        }
        return update(held, update, HELD, values,
                current -> owner.equals(current.owner()) && current.counter() == held.counter() + 1);
    }

    /**
     * Sets the checkpoint if the lease is still as held and no later checkpoint write of this holder was made: each
     * write carries a number from {@link #CHECKPOINT_WRITES} ({@code checkpointWrite}), and is made only if the item's
     * number is not higher. Owner and counter cannot tell two checkpoints of one holder apart, so without it a request
     * held up in the network, which the SDK gave up on and retried, could reach DynamoDB after a newer checkpoint and
     * move the checkpoint back. The SDK's retry of one request carries the same number and is made again.
     */
    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) {
        if (held.owner() == null) {
            return new LeaseWrite.Lost(read(held));
        }
        Map<String, AttributeValue> values = heldValues(held);
        Map<String, AttributeValue> attributes = LeaseItems.checkpoint(checkpoint);
        values.put(":checkpoint", attributes.get(LeaseItems.CHECKPOINT));
        values.put(":zero", n(0));
        values.put(":write", n(CHECKPOINT_WRITES.incrementAndGet()));
        String update = "SET #checkpoint = :checkpoint, #switches = :zero, #write = :write";
        if (attributes.containsKey(LeaseItems.CHECKPOINT_TIMESTAMP)) {
            update += ", #timestamp = :timestamp";
            values.put(":timestamp", attributes.get(LeaseItems.CHECKPOINT_TIMESTAMP));
        } else {
            update += " REMOVE #timestamp";
        }
        String condition = HELD + " AND (attribute_not_exists(#write) OR #write <= :write)";
        // A retried checkpoint finds its own write still held (the counter stays): nothing to recognise.
        return update(held, update, condition, values, current -> false);
    }

    @Override
    public LeaseWrite release(Lease held) {
        if (held.owner() == null) {
            return new LeaseWrite.Lost(read(held));
        }
        return update(held, "SET #counter = :next REMOVE #owner, #handoff, #failover, #failoverAt", HELD,
                heldValues(held),
                current -> current.owner() == null && current.counter() == held.counter() + 1);
    }

    /** Sets handoffTo if owner and counter are as seen; a retried request finds its own write still matching. */
    @Override
    public LeaseWrite requestHandoff(Lease seen, String worker) {
        Objects.requireNonNull(worker, "worker");
        if (seen.owner() == null) {
            return new LeaseWrite.Lost(read(seen));
        }
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":owner", s(seen.owner()));
        values.put(":counter", n(seen.counter()));
        values.put(":worker", s(worker));
        return update(seen, "SET #handoff = :worker", HELD, values, current -> false);
    }

    @Override
    public boolean delete(Lease seen) {
        setup.ensureReady();
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":counter", n(seen.counter()));
        String condition = "#counter = :counter AND ";
        if (seen.owner() == null) {
            condition += "attribute_not_exists(#owner)";
        } else {
            condition += "#owner = :owner";
            values.put(":owner", s(seen.owner()));
        }
        String expression = condition;
        try {
            client.deleteItem(r -> r.tableName(table).key(LeaseItems.key(seen)).conditionExpression(expression)
                    .expressionAttributeNames(NAMES.of(expression)).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static Map<String, AttributeValue> heldValues(Lease held) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":owner", s(Objects.requireNonNull(held.owner(), "the owner of a held lease")));
        values.put(":counter", n(held.counter()));
        values.put(":next", n(held.counter() + 1));
        return values;
    }

    /**
     * One conditional UpdateItem. {@code madeByThisWrite} recognises, after a retried request failed its condition,
     * the item this very write produces: an earlier attempt was applied but its response was lost. A first attempt
     * that fails its condition is always lost, however the item looks.
     */
    private LeaseWrite update(Lease expected, String update, String condition, Map<String, AttributeValue> values,
                              Predicate<Lease> madeByThisWrite) {
        setup.ensureReady();
        try {
            Map<String, AttributeValue> written = client.updateItem(r -> r.tableName(table)
                    .key(LeaseItems.key(expected)).updateExpression(update).conditionExpression(condition)
                    .expressionAttributeNames(NAMES.of(update, condition))
                    .expressionAttributeValues(Placeholders.valuesOf(values, update, condition))
                    .returnValues(ReturnValue.ALL_NEW)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).attributes();
            return new LeaseWrite.Written(LeaseItems.fromItem(table, written));
        } catch (ConditionalCheckFailedException e) {
            Lease current = e.hasItem() && !e.item().isEmpty() ? LeaseItems.fromItem(table, e.item()) : read(expected);
            // Only a retried request can have been applied by an earlier attempt of its own.
            boolean retried = e.numAttempts() != null && e.numAttempts() > 1;
            if (retried && current != null && madeByThisWrite.test(current)) {
                return new LeaseWrite.Written(current);
            }
            return new LeaseWrite.Lost(current);
        }
    }

    /** The lease as stored now, strongly consistent; null if there is none. */
    private @Nullable Lease read(Lease lease) {
        Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table).key(LeaseItems.key(lease))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? null : LeaseItems.fromItem(table, item);
    }
}

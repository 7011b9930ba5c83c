package io.esm4j.worker.mappings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.dynamodb.DynamoDbLeaseStore;
import io.esm4j.dynamodb.DynamoDbLeaseStoreSettings;
import io.esm4j.worker.config.MappingSpec;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The API's mappings in a DynamoDB table that several workers share, so that each of them runs every mapping and a
 * mapping created through one worker's API is resumed by all of them after a restart.
 *
 * <p>The table has the key of esm4j's lease table ({@code mapping} (S, HASH), {@code shardId} (S, RANGE)) and is made
 * ready the same way (state-dynamodb's {@link DynamoDbLeaseStore#ensureTable()}: created on first use with on-demand
 * billing, its key checked), so one table can hold both the worker's shard leases and its mappings: the mappings live
 * in the partition {@value #PARTITION}, one item per mapping with its UUID as sort key, which no lease uses (lease
 * partitions are mapping UUIDs). An item has {@code revision} (N), {@code lastModified} (N, epoch milliseconds) and
 * {@code request} (S, the CreateEventSourceMapping request as JSON). Listing is one strongly consistent, paginated
 * Query of that partition; every write is conditional: create if the UUID is absent, replace and delete only if the
 * item still has the revision the worker read. A create also claims its source and function pair
 * ({@link SourceClaims}), so that two workers cannot map the same pair at the same moment: a claim whose mapping is
 * not written yet is taken over only after {@link SourceClaims#GRACE}, as it may be another worker's create in
 * flight.
 */
public final class DynamoDbMappingStore implements MappingStore {

    static final String PARTITION = "esm4j-worker/mappings";
    private static final String MAPPING = "mapping";
    private static final String UUID = "shardId";
    private static final String REVISION = "revision";
    private static final String LAST_MODIFIED = "lastModified";
    private static final String REQUEST = "request";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DynamoDbClient client;
    private final String table;
    private final DynamoDbLeaseStore tableSetup;
    private final SourcePairs pairs;
    private final SourceClaims claims;

    /** A store on this table, created if missing (through the client's endpoint, region and credentials). */
    public DynamoDbMappingStore(DynamoDbClient client, String table, SourcePairs pairs) {
        this(client, table, pairs, Clock.systemUTC());
    }

    /** @param clock dates the store's source claims and judges other workers' ({@link SourceClaims#GRACE}) */
    DynamoDbMappingStore(DynamoDbClient client, String table, SourcePairs pairs, Clock clock) {
        this.client = client;
        // Checks the name (DynamoDB's rules, naming the setting) and makes the table ready like a lease table.
        this.tableSetup = new DynamoDbLeaseStore(client, DynamoDbLeaseStoreSettings.builder().tableName(table)
                .build());
        this.table = table;
        this.pairs = pairs;
        this.claims = new SourceClaims(client, table, this::read, pairs, clock);
    }

    @Override
    public List<Stored> load() {
        tableSetup.ensureTable();
        List<Stored> stored = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(r -> r.tableName(table).consistentRead(true)
                    .keyConditionExpression("#mapping = :mapping")
                    .expressionAttributeNames(Map.of("#mapping", MAPPING))
                    .expressionAttributeValues(Map.of(":mapping", s(PARTITION))).exclusiveStartKey(from));
            page.items().forEach(item -> stored.add(fromItem(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return stored;
    }

    /** Claims the mapping's source and function pair first: a conflict if a mapping of the table holds it. */
    @Override
    public void create(Stored mapping) {
        tableSetup.ensureTable();
        claims.claim(mapping.uuid(), mapping.spec());
        try {
            client.putItem(r -> r.tableName(table).item(toItem(mapping))
                    .conditionExpression("attribute_not_exists(#uuid)")
                    .expressionAttributeNames(Map.of("#uuid", UUID)));
        } catch (ConditionalCheckFailedException e) {
            throw MappingConflictException.uuidTaken(mapping.uuid(), "mapping table " + table);
        }
    }

    @Override
    public void replace(Stored current, Stored next) {
        tableSetup.ensureTable();
        boolean moved = !pairs.of(current.spec()).equals(pairs.of(next.spec()));
        if (moved) {
            claims.claim(next.uuid(), next.spec());
        }
        try {
            client.putItem(r -> r.tableName(table).item(toItem(next)).conditionExpression("#revision = :revision")
                    .expressionAttributeNames(Map.of("#revision", REVISION))
                    .expressionAttributeValues(Map.of(":revision", n(current.revision()))));
        } catch (ConditionalCheckFailedException e) {
            if (moved) {
                claims.release(next.uuid(), next.spec());
            }
            throw changed(current);
        }
        if (moved) {
            claims.release(current.uuid(), current.spec());
        }
    }

    @Override
    public void delete(Stored current) {
        tableSetup.ensureTable();
        try {
            client.deleteItem(r -> r.tableName(table).key(key(current.uuid()))
                    .conditionExpression("#revision = :revision")
                    .expressionAttributeNames(Map.of("#revision", REVISION))
                    .expressionAttributeValues(Map.of(":revision", n(current.revision()))));
        } catch (ConditionalCheckFailedException e) {
            throw changed(current);
        }
        claims.release(current.uuid(), current.spec());
    }

    private @Nullable Stored read(String uuid) {
        Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table).key(key(uuid)).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? null : fromItem(item);
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public String location() {
        return "DynamoDB table " + table;
    }

    private MappingConflictException changed(Stored current) {
        return MappingConflictException.changedElsewhere(current, "mapping table " + table);
    }

    private static Map<String, AttributeValue> key(String uuid) {
        return Map.of(MAPPING, s(PARTITION), UUID, s(uuid));
    }

    private static Map<String, AttributeValue> toItem(Stored mapping) {
        Map<String, AttributeValue> item = new HashMap<>(key(mapping.uuid()));
        item.put(REVISION, n(mapping.revision()));
        item.put(LAST_MODIFIED, n(mapping.lastModified().toEpochMilli()));
        try {
            item.put(REQUEST, s(JSON.writeValueAsString(mapping.spec().toJson())));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return item;
    }

    /** An attribute the store writes in every item: one edited by hand may lack it, which the error names. */
    private AttributeValue attribute(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null) {
            throw new IllegalStateException("an item of the partition " + PARTITION + " in the table " + table
                    + " has no " + name + " attribute: expected every mapping item to have " + UUID + ", "
                    + REVISION + ", " + LAST_MODIFIED + " and " + REQUEST);
        }
        return value;
    }

    private Stored fromItem(Map<String, AttributeValue> item) {
        String uuid = attribute(item, UUID).s();
        try {
            return new Stored(uuid, Long.parseLong(attribute(item, REVISION).n()),
                    Instant.ofEpochMilli(Long.parseLong(attribute(item, LAST_MODIFIED).n())),
                    MappingSpec.of(JSON.readTree(attribute(item, REQUEST).s()), table + " " + uuid));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("the mapping " + uuid + " in the table " + table + " is not JSON", e);
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}

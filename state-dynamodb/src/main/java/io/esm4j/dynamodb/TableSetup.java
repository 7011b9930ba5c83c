package io.esm4j.dynamodb;

import io.esm4j.settings.Setting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.retry.backoff.FixedDelayBackoffStrategy;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.core.waiters.WaiterResponse;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * A table a store needs, made ready on first use: described, created if missing and allowed (on-demand billing),
 * awaited until ACTIVE, and checked to have the expected key. Until that succeeds every call tries again, so that a
 * first call that failed (no network yet) is not final; once it succeeded it costs nothing.
 */
final class TableSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TableSetup.class);
    /** A table is usually ACTIVE within seconds; the SDK waiter's default 20 s between polls would add latency. */
    private static final Duration POLL = Duration.ofSeconds(1);

    /** One attribute of the key. */
    record KeyAttribute(String name, KeyType keyType, @Nullable ScalarAttributeType type) {
        @Override
        public String toString() {
            return name + " (" + keyType + ", " + type + ")";
        }
    }

    private final DynamoDbClient client;
    private final String tableName;
    private final String purpose;
    private final List<KeyAttribute> key;
    private final boolean createIfMissing;
    private final Duration activeTimeout;
    private final Consumer<String> afterCreate;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean ready;

    /**
     * @param purpose     what the table is for, in messages: "lease table", "idempotency table"
     * @param afterCreate run once after this process created the table (e.g. to turn TTL on)
     */
    TableSetup(DynamoDbClient client, String tableName, String purpose, List<KeyAttribute> key,
               boolean createIfMissing, Duration activeTimeout, Consumer<String> afterCreate) {
        this.client = client;
        this.tableName = tableName;
        this.purpose = purpose;
        this.key = List.copyOf(key);
        this.createIfMissing = createIfMissing;
        this.activeTimeout = activeTimeout;
        this.afterCreate = afterCreate;
    }

    String tableName() {
        return tableName;
    }

    /** Returns once the table exists, is ACTIVE (or UPDATING, which serves reads and writes) and has the key. */
    void ensureReady() {
        if (ready) {
            return;
        }
        lock.lock();
        try {
            if (!ready) {
                check(activeTable());
                ready = true;
            }
        } finally {
            lock.unlock();
        }
    }

    private TableDescription activeTable() {
        TableDescription table;
        try {
            table = client.describeTable(r -> r.tableName(tableName)).table();
        } catch (ResourceNotFoundException e) {
            if (!createIfMissing) {
                throw new IllegalStateException("The " + purpose + " '" + tableName + "' does not exist, and "
                        + "CreateTableIfMissing is false. Expected a table with the key " + key + "; create it, or "
                        + "allow the store to create it.", e);
            }
            table = create();
        }
        if (table.tableStatus() == TableStatus.ACTIVE || table.tableStatus() == TableStatus.UPDATING) {
            return table;
        }
        return awaitActive();
    }

    private TableDescription create() {
        List<AttributeDefinition> attributes = key.stream().map(k -> AttributeDefinition.builder()
                .attributeName(k.name()).attributeType(k.type()).build()).toList();
        List<KeySchemaElement> schema = key.stream().map(k -> KeySchemaElement.builder().attributeName(k.name())
                .keyType(k.keyType()).build()).toList();
        try {
            TableDescription created = client.createTable(r -> r.tableName(tableName).attributeDefinitions(attributes)
                    .keySchema(schema).billingMode(BillingMode.PAY_PER_REQUEST)).tableDescription();
            LOG.atInfo().addKeyValue("table", tableName).addKeyValue("purpose", purpose)
                    .log("created the table (on-demand billing)");
            TableDescription active = created.tableStatus() == TableStatus.ACTIVE ? created : awaitActive();
            afterCreate.accept(tableName);
            return active;
        } catch (ResourceInUseException e) {
            // Another worker created it a moment ago.
            return awaitActive();
        }
    }

    private TableDescription awaitActive() {
        WaiterOverrideConfiguration wait = WaiterOverrideConfiguration.builder().waitTimeout(activeTimeout)
                .maxAttempts(Integer.MAX_VALUE).backoffStrategy(FixedDelayBackoffStrategy.create(POLL)).build();
        WaiterResponse<DescribeTableResponse> response = client.waiter()
                .waitUntilTableExists(DescribeTableRequest.builder().tableName(tableName).build(), wait);
        return response.matched().response().map(DescribeTableResponse::table).orElseThrow(() ->
                new IllegalStateException("The " + purpose + " '" + tableName + "' did not become ACTIVE within "
                        + Setting.words(activeTimeout) + " (TableActiveTimeout)", response.matched().exception().orElse(null)));
    }

    private void check(TableDescription table) {
        Map<String, ScalarAttributeType> types = table.attributeDefinitions().stream().collect(Collectors.toMap(
                AttributeDefinition::attributeName, AttributeDefinition::attributeType, (a, b) -> a));
        List<KeyAttribute> found = new ArrayList<>();
        for (KeySchemaElement element : table.keySchema()) {
            found.add(new KeyAttribute(element.attributeName(), element.keyType(),
                    types.get(element.attributeName())));
        }
        found.sort((a, b) -> a.keyType().compareTo(b.keyType()));
        if (!found.equals(key)) {
            throw new IllegalStateException("The " + purpose + " '" + tableName + "' exists with the key " + found
                    + ", but esm4j expects " + key + ". It belongs to something else (a KCL lease table has the key "
                    + "leaseKey (HASH, S)); choose another table name for esm4j.");
        }
    }
}

package io.esm4j.dynamodb;

import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.IdempotencyStore;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * An {@link IdempotencyStore} in a DynamoDB table, shared by every consumer that reaches it: one item per key, and
 * every operation one write on that item. The item's {@code id} is the key, or its SHA-256 where DynamoDB cannot hold
 * the key exactly (past 2048 bytes, or with a lone surrogate): any non-blank key works.
 * <ul>
 *   <li>{@code acquire}: PutItem of an INPROGRESS item, on condition that the key is absent or expired
 *       ({@code attribute_not_exists(id) OR expiry <= :now}); when the condition fails, the item that holds the key
 *       comes back with the failure (ReturnValuesOnConditionCheckFailure) or, where the server does not return it,
 *       from a strongly consistent GetItem;</li>
 *   <li>{@code complete}: an unconditional PutItem of a COMPLETED item;</li>
 *   <li>{@code extend}: PutItem of the same INPROGRESS item with a later expiry, on condition
 *       {@code status = INPROGRESS AND owner = :owner AND expiry > :now};</li>
 *   <li>{@code release}: DeleteItem on condition {@code status = INPROGRESS AND owner = :owner}.</li>
 * </ul>
 * Expiry is compared by the store, against this process's clock: an expired item counts as absent whether or not
 * DynamoDB's TTL has deleted it yet (TTL deletes within days, not at once), so correctness never depends on TTL.
 * Consumers on several hosts compare one host's expiry with another's clock here, unlike leases: keep clocks in sync
 * (NTP) and expiries well above the skew.
 *
 * <p>Payloads never reach DynamoDB: only their SHA-256, when payload validation is on. Thread-safe.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {

    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbIdempotencyStore.class);
    /** An item found expired after a failed condition means it expired or was deleted meanwhile: try again. */
    private static final int ACQUIRE_ATTEMPTS = 5;
    private static final String ABSENT_OR_EXPIRED = "attribute_not_exists(#id) OR #expiry <= :now";
    private static final String HELD_BY_OWNER = "#status = :inProgress AND #owner = :owner";
    private static final String LIVE_FOR_OWNER = HELD_BY_OWNER + " AND #expiry > :now";

    private final DynamoDbClient client;
    private final Clock clock;
    private final String table;
    private final String ttlAttribute;
    private final TableSetup setup;
    private final Placeholders names;

    /**
     * @param clock decides when entries have expired; the same clock the deduplicator computes expiries with
     */
    public DynamoDbIdempotencyStore(DynamoDbClient client, DynamoDbIdempotencyStoreSettings settings, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.table = settings.tableName();
        this.ttlAttribute = settings.timeToLiveAttribute();
        this.names = new Placeholders(Map.of("#id", IdempotencyItems.ID, "#expiry", IdempotencyItems.EXPIRY,
                "#status", IdempotencyItems.STATUS, "#owner", IdempotencyItems.OWNER));
        this.setup = new TableSetup(client, table, "idempotency table",
                List.of(new TableSetup.KeyAttribute(IdempotencyItems.ID, KeyType.HASH, ScalarAttributeType.S)),
                settings.createTableIfMissing(), settings.tableActiveTimeout(), this::enableTimeToLive);
    }

    @Override
    public AcquireResult acquire(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(inProgressExpiry, "inProgressExpiry");
        setup.ensureReady();
        Map<String, AttributeValue> item = inProgressItem(key, payloadHash, owner, inProgressExpiry);
        for (int attempt = 1; ; attempt++) {
            Instant now = clock.instant();
            Map<String, AttributeValue> current;
            try {
                client.putItem(r -> r.tableName(table).item(item).conditionExpression(ABSENT_OR_EXPIRED)
                        .expressionAttributeNames(names.of(ABSENT_OR_EXPIRED))
                        .expressionAttributeValues(Map.of(":now", IdempotencyItems.instant(now)))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
                return AcquireResult.Acquired.INSTANCE;
            } catch (ConditionalCheckFailedException e) {
                current = e.hasItem() && !e.item().isEmpty() ? e.item() : read(key);
            }
            if (current != null && clock.instant().isBefore(expiry(current))) {
                return heldBy(current, owner);
            }
            if (attempt == ACQUIRE_ATTEMPTS) {
                // Keys can be payload data: the message leaves the key out.
                throw new IllegalStateException("An idempotency key in table '" + table + "' was held at each of "
                        + ACQUIRE_ATTEMPTS + " conditional puts but absent or expired when read back. Expected the "
                        + "clocks of its consumers to agree; check this host's clock.");
            }
        }
    }

    @Override
    public void complete(String key, @Nullable String payloadHash, Instant ttlExpiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(ttlExpiry, "ttlExpiry");
        setup.ensureReady();
        Map<String, AttributeValue> item = item(key, IdempotencyItems.COMPLETED, payloadHash, ttlExpiry);
        client.putItem(r -> r.tableName(table).item(item));
    }

    @Override
    public boolean extend(String key, @Nullable String payloadHash, String owner, Instant inProgressExpiry) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(inProgressExpiry, "inProgressExpiry");
        setup.ensureReady();
        Map<String, AttributeValue> item = inProgressItem(key, payloadHash, owner, inProgressExpiry);
        // A PutItem, not an UpdateItem, so that the store needs no permission beyond those it had.
        try {
            client.putItem(r -> r.tableName(table).item(item).conditionExpression(LIVE_FOR_OWNER)
                    .expressionAttributeNames(names.of(LIVE_FOR_OWNER))
                    .expressionAttributeValues(Map.of(":inProgress", AttributeValue.fromS(IdempotencyItems.IN_PROGRESS),
                            ":owner", AttributeValue.fromS(owner), ":now", IdempotencyItems.instant(clock.instant()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean release(String key, String owner) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
        setup.ensureReady();
        try {
            client.deleteItem(r -> r.tableName(table).key(key(key)).conditionExpression(HELD_BY_OWNER)
                    .expressionAttributeNames(names.of(HELD_BY_OWNER))
                    .expressionAttributeValues(Map.of(":inProgress", AttributeValue.fromS(IdempotencyItems.IN_PROGRESS),
                            ":owner", AttributeValue.fromS(owner))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** The table's name. */
    public String tableName() {
        return table;
    }

    /** A claim: the key in progress for {@code owner} until {@code expiry}. */
    private Map<String, AttributeValue> inProgressItem(String key, @Nullable String payloadHash, String owner,
                                                      Instant expiry) {
        Map<String, AttributeValue> item = item(key, IdempotencyItems.IN_PROGRESS, payloadHash, expiry);
        item.put(IdempotencyItems.OWNER, AttributeValue.fromS(owner));
        return item;
    }

    private Map<String, AttributeValue> item(String key, String status, @Nullable String payloadHash,
                                             Instant expiry) {
        Map<String, AttributeValue> item = new HashMap<>(key(key));
        item.put(IdempotencyItems.STATUS, AttributeValue.fromS(status));
        item.put(IdempotencyItems.EXPIRY, IdempotencyItems.instant(expiry));
        item.put(ttlAttribute, IdempotencyItems.ttlSeconds(expiry));
        if (payloadHash != null) {
            item.put(IdempotencyItems.PAYLOAD_HASH, AttributeValue.fromS(payloadHash));
        }
        return item;
    }

    private static Map<String, AttributeValue> key(String key) {
        return Map.of(IdempotencyItems.ID, AttributeValue.fromS(IdempotencyItems.id(key)));
    }

    private @Nullable Map<String, AttributeValue> read(String key) {
        Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table).key(key(key)).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? null : item;
    }

    private Instant expiry(Map<String, AttributeValue> item) {
        AttributeValue expiry = item.get(IdempotencyItems.EXPIRY);
        if (expiry == null || expiry.n() == null) {
            throw new IllegalStateException("An item of the idempotency table '" + table + "' has no number attribute "
                    + IdempotencyItems.EXPIRY + ". Expected items written by esm4j only; is the table shared with "
                    + "something else?");
        }
        return IdempotencyItems.instant(expiry);
    }

    private AcquireResult heldBy(Map<String, AttributeValue> item, String owner) {
        AttributeValue status = item.get(IdempotencyItems.STATUS);
        AttributeValue hash = item.get(IdempotencyItems.PAYLOAD_HASH);
        if (status != null && IdempotencyItems.COMPLETED.equals(status.s())) {
            return new AcquireResult.AlreadyCompleted(hash == null ? null : hash.s(), expiry(item));
        }
        AttributeValue holder = item.get(IdempotencyItems.OWNER);
        if (holder != null && owner.equals(holder.s())) {
            // The SDK retried a put whose first attempt was applied: this claim's own item.
            return AcquireResult.Acquired.INSTANCE;
        }
        return new AcquireResult.InProgressElsewhere(expiry(item), hash == null ? null : hash.s());
    }

    /** Turns TTL on for a table this process created. A server without TTL (an emulator) only keeps items longer. */
    private void enableTimeToLive(String created) {
        try {
            client.updateTimeToLive(r -> r.tableName(created)
                    .timeToLiveSpecification(s -> s.attributeName(ttlAttribute).enabled(true)));
        } catch (DynamoDbException e) {
            LOG.atWarn().addKeyValue("table", created).addKeyValue("attribute", ttlAttribute)
                    .addKeyValue("error", e.awsErrorDetails() == null ? e.getMessage()
                            : e.awsErrorDetails().errorCode())
                    .log("could not turn TTL on: expired idempotency items stay until deleted (they count as absent "
                            + "all the same)");
        }
    }
}

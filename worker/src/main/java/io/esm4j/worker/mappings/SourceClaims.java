package io.esm4j.worker.mappings;

import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.MappingSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Which mapping holds each source and function pair of a shared mapping table, so that two workers creating the same
 * pair at the same moment cannot both succeed (Lambda keeps one mapping per event source and function). One item per
 * pair in the partition {@value #PARTITION}: sort key the SHA-256 of the pair, {@code <source>\n<FunctionArn>} as
 * {@link SourcePairs} tells pairs apart (the pair itself may pass DynamoDB's 1 KB sort key limit), {@code pair} (S)
 * for people reading the table, {@code claimedBy} (S) the mapping's UUID, {@code claimedAt} (N) when. A claim is
 * written (conditionally) before its mapping and released after it is deleted or moved to another function. DynamoDB
 * has no transaction across the two items here (and dynalite none at all), so a crash between the two writes can leave
 * a claim whose mapping does not exist or now maps another pair: such a claim is stale, and the next create of the
 * pair takes it over (conditionally on the stale holder).
 *
 * <p>A claim looks just the same while its worker is still writing the mapping: claimed, the mapping not written yet
 * (or still on its old pair, for an update). Taking that one over would let both workers map the pair. So a claim is
 * taken over only once it is {@link #GRACE} old ({@code claimedAt} (N), epoch milliseconds by the claiming worker's
 * clock, against the reader's: the grace covers the write and its SDK retries and any sane clock skew); before that
 * the pair is reported as being mapped through another worker. A claim written before {@code claimedAt} existed
 * counts as old.
 */
final class SourceClaims {

    static final String PARTITION = "esm4j-worker/mapping-claims";
    private static final Logger LOG = LoggerFactory.getLogger(SourceClaims.class);
    private static final String MAPPING = "mapping";
    private static final String SORT = "shardId";
    private static final String PAIR = "pair";
    private static final String CLAIMED_BY = "claimedBy";
    private static final String CLAIMED_AT = "claimedAt";
    private static final int ATTEMPTS = 5;
    /** How old a claim must be before it counts as left behind, however its mapping looks. */
    static final Duration GRACE = Duration.ofMinutes(5);

    private final DynamoDbClient client;
    private final String table;
    private final Function<String, MappingStore.@Nullable Stored> mappings;
    private final SourcePairs pairs;
    private final Clock clock;

    /**
     * @param mappings reads a mapping of the table by UUID (strongly consistent), or null when there is none
     * @param pairs    tells source and function pairs apart, as the registry does
     * @param clock    dates claims, and tells whether another worker's claim is past its {@link #GRACE}
     */
    SourceClaims(DynamoDbClient client, String table, Function<String, MappingStore.@Nullable Stored> mappings,
                 SourcePairs pairs, Clock clock) {
        this.client = client;
        this.table = table;
        this.mappings = mappings;
        this.pairs = pairs;
        this.clock = clock;
    }

    /** Claims the pair of {@code spec} for {@code uuid}; a conflict naming the mapping that holds it. */
    void claim(String uuid, MappingSpec spec) {
        String pair = pairs.of(spec);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            if (write(uuid, pair, "attribute_not_exists(#sort)", Map.of())) {
                return;
            }
            Map<String, AttributeValue> claim = client.getItem(r -> r.tableName(table).key(key(pair))
                    .consistentRead(true)).item();
            if (claim == null || claim.isEmpty()) {
                continue;
            }
            String holder = Objects.requireNonNull(claim.get(CLAIMED_BY), "every claim is written with claimedBy").s();
            if (holder.equals(uuid)) {
                return;
            }
            MappingStore.Stored held = mappings.apply(holder);
            if (held != null && pairs.of(held.spec()).equals(pair)) {
                throw MappingConflictException.pairTaken(spec, holder);
            }
            AttributeValue claimedAt = claim.get(CLAIMED_AT);
            if (claimedAt != null && claimedAt.n() != null) {
                Instant lapses = Instant.ofEpochMilli(Long.parseLong(claimedAt.n())).plus(GRACE);
                if (clock.instant().isBefore(lapses)) {
                    throw new MappingConflictException("The event source (" + spec.source() + ") and function ("
                            + FunctionSpec.shownName(spec.functionName()) + ") are being mapped through another "
                            + "worker (mapping " + holder + ", not written yet); try again. If that worker stopped before writing it, its claim "
                            + "lapses at " + lapses + ".");
                }
            }
            if (write(uuid, pair, "#claimedBy = :holder", Map.of(":holder", AttributeValue.fromS(holder)))) {
                LOG.atInfo().addKeyValue("mapping", uuid)
                        .log("stale mapping claim taken over uuid={} staleHolder={} table={}", uuid, holder, table);
                return;
            }
        }
        throw new MappingConflictException("The event source (" + spec.source() + ") and function ("
                + FunctionSpec.shownName(spec.functionName()) + ") are being mapped through another worker at the "
                + "same time; try again.");
    }

    /** Releases the pair of {@code spec} if {@code uuid} holds it; a failure only leaves a stale claim behind. */
    void release(String uuid, MappingSpec spec) {
        try {
            client.deleteItem(r -> r.tableName(table).key(key(pairs.of(spec)))
                    .conditionExpression("#claimedBy = :uuid")
                    .expressionAttributeNames(Map.of("#claimedBy", CLAIMED_BY))
                    .expressionAttributeValues(Map.of(":uuid", AttributeValue.fromS(uuid))));
        } catch (ConditionalCheckFailedException e) {
            // Taken over already: nothing of ours to release.
        } catch (SdkException e) {
            LOG.atWarn().addKeyValue("mapping", uuid)
                    .log("mapping claim not released uuid={} table={} error={}", uuid, table, e.toString());
        }
    }

    private boolean write(String uuid, String pair, String condition, Map<String, AttributeValue> values) {
        Map<String, AttributeValue> item = new HashMap<>(key(pair));
        item.put(PAIR, AttributeValue.fromS(pair));
        item.put(CLAIMED_BY, AttributeValue.fromS(uuid));
        item.put(CLAIMED_AT, AttributeValue.fromN(Long.toString(clock.millis())));
        Map<String, String> names = condition.contains("#sort") ? Map.of("#sort", SORT)
                : Map.of("#claimedBy", CLAIMED_BY);
        try {
            client.putItem(r -> r.tableName(table).item(item).conditionExpression(condition)
                    .expressionAttributeNames(names).expressionAttributeValues(values.isEmpty() ? null : values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static Map<String, AttributeValue> key(String pair) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(pair.getBytes(StandardCharsets.UTF_8));
            return Map.of(MAPPING, AttributeValue.fromS(PARTITION), SORT,
                    AttributeValue.fromS(HexFormat.of().formatHex(digest)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}

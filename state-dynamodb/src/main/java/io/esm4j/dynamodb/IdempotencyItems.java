package io.esm4j.dynamodb;

import io.esm4j.idempotency.StoredKeys;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The attributes of an idempotency item. {@code expiry} is the instant the entry stops counting, as a decimal
 * number of epoch seconds with every nanosecond kept ({@code 1767225900.5}), so that conditions compare it exactly as
 * the in-memory store compares instants; the TTL attribute is the same instant in whole seconds rounded up, the form
 * DynamoDB's TTL wants, so that TTL never deletes an entry that still counts.
 *
 * <p>{@code id} is the idempotency key itself where DynamoDB can hold it exactly; otherwise its digest form
 * ({@link StoredKeys}). See {@link #id(String)}.
 */
final class IdempotencyItems {

    static final String ID = "id";
    static final String STATUS = "status";
    static final String OWNER = "owner";
    static final String EXPIRY = "expiry";
    static final String PAYLOAD_HASH = "payloadHash";
    static final Set<String> ATTRIBUTES = Set.of(ID, STATUS, OWNER, EXPIRY, PAYLOAD_HASH);

    /** DynamoDB's limit on a partition key's value, in UTF-8 bytes. */
    static final int MAX_ID_BYTES = 2048;

    static final String IN_PROGRESS = "INPROGRESS";
    static final String COMPLETED = "COMPLETED";

    private IdempotencyItems() {}

    /**
     * The {@code id} of a key: the key itself, unless DynamoDB cannot hold it exactly, then its digest
     * ({@link StoredKeys}). A key longer than {@value #MAX_ID_BYTES} UTF-8 bytes would be refused on every call, and
     * the engine retries a batch whose claim failed without counting an attempt, so the shard would stall on the
     * record.
     */
    static String id(String key) {
        return StoredKeys.storable(key, MAX_ID_BYTES);
    }

    static AttributeValue instant(Instant instant) {
        return AttributeValue.fromN(BigDecimal.valueOf(instant.getEpochSecond())
                .add(BigDecimal.valueOf(instant.getNano(), 9)).stripTrailingZeros().toPlainString());
    }

    static Instant instant(AttributeValue value) {
        BigDecimal number = new BigDecimal(value.n());
        long seconds = number.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
        int nanos = number.subtract(BigDecimal.valueOf(seconds)).movePointRight(9).intValueExact();
        return Instant.ofEpochSecond(seconds, nanos);
    }

    static AttributeValue ttlSeconds(Instant instant) {
        return AttributeValue.fromN(Long.toString(instant.getEpochSecond() + (instant.getNano() > 0 ? 1 : 0)));
    }
}

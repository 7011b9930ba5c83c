package io.esm4j.idempotency;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How a record's idempotency key is found. Two records with the same key are the same event: once one of them is
 * COMPLETED, the others are skipped. Keys compare as exact strings.
 *
 * @param <R> the record type the engine hands to the handler
 */
@FunctionalInterface
public interface IdempotencyKey<R> {

    /**
     * The key of one record.
     *
     * @param naturalId the id the engine gives the record: Kinesis {@code shardId:sequenceNumber}, DynamoDB Streams
     *                  {@code eventID}, SQS {@code messageId}, Kafka {@code topic-partition-offset}
     * @throws IdempotencyKeyException when the record has no usable key
     */
    String keyOf(R record, String naturalId);

    /**
     * The record's natural id: catches redeliveries of the same record (retries, visibility timeouts, restarts
     * before a checkpoint), not the same event sent twice by a producer.
     */
    static <R> IdempotencyKey<R> naturalId() {
        return (record, naturalId) -> naturalId;
    }

    /** A key computed from the record alone, e.g. a field of the deserialized payload. */
    static <R> IdempotencyKey<R> from(Function<? super R, String> function) {
        Objects.requireNonNull(function, "function");
        return (record, naturalId) -> function.apply(record);
    }

    /**
     * The value at an RFC 6901 JSON pointer in the payload's tree, e.g. {@code /order/id}. See
     * {@link JsonPointerKey} for how values become keys and what a missing value does.
     */
    static <R> JsonPointerKey<R> jsonPointer(String pointer,
                                             Function<? super R, ? extends @Nullable JsonNode> payloadTree) {
        return JsonPointerKey.ofTree(pointer, payloadTree);
    }

    /**
     * The value at an RFC 6901 JSON pointer in the payload's UTF-8 JSON bytes. The bytes are streamed only up to the
     * value, never turned into a whole tree.
     */
    static <R> JsonPointerKey<R> jsonPointerInBytes(String pointer,
                                                    Function<? super R, byte @Nullable []> payloadJson) {
        return JsonPointerKey.ofBytes(pointer, payloadJson);
    }

    /**
     * This key with {@code prefix + ":"} in front, within the mapping's namespace (stored as
     * {@code namespace:prefix:key}). Each mapping's keys are apart from other mappings' already; a prefix keeps apart
     * keys that would otherwise meet within one namespace, e.g. the natural ids of mappings that share one on purpose
     * ({@link Idempotency#withNamespace}) but read different streams: Kinesis shard ids such as
     * {@code shardId-000000000000} and Kafka offsets repeat from stream to stream.
     */
    default IdempotencyKey<R> prefixed(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        String withColon = prefix + ":";
        return (record, naturalId) -> {
            String key = keyOf(record, naturalId);
            // A blank key stays blank, so that the caller still rejects it.
            return key == null || key.isBlank() ? key : withColon + key;
        };
    }
}

package io.esm4j.idempotency;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How a mapping deduplicates: the store, how keys are found, what payload validation hashes, and the settings. Give
 * it to a mapping builder's {@code idempotency(...)}; the mapping adds its own metrics and clock.
 *
 * <pre>{@code
 * Idempotency.<QueueMessage<SqsMessage>>of(store).withKey(IdempotencyKey.jsonPointerInBytes("/orderId", bodyBytes))
 * }</pre>
 */
public record Idempotency<R>(IdempotencyStore store, IdempotencyKey<R> key,
                             @Nullable Function<? super R, byte @Nullable []> payload,
                             IdempotencySettings settings) {

    public Idempotency {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(settings, "settings");
    }

    /** Keys from the records' natural ids, no payload validation, default settings. */
    public static <R> Idempotency<R> of(IdempotencyStore store) {
        return new Idempotency<>(store, IdempotencyKey.naturalId(), null, IdempotencySettings.defaults());
    }

    public Idempotency<R> withKey(IdempotencyKey<R> key) {
        return new Idempotency<>(store, key, payload, settings);
    }

    /** The payload bytes payload validation hashes. */
    public Idempotency<R> withPayload(Function<? super R, byte @Nullable []> payload) {
        return new Idempotency<>(store, key, payload, settings);
    }

    public Idempotency<R> withSettings(IdempotencySettings settings) {
        return new Idempotency<>(store, key, payload, settings);
    }

    /** Builds the deduplicator a mapping uses. */
    public BatchDeduplicator<R> deduplicator(MeterRegistry registry, Iterable<Tag> tags, Clock clock) {
        BatchDeduplicator.Builder<R> builder = BatchDeduplicator.<R>builder(store, registry, tags).key(key)
                .settings(settings).clock(clock);
        if (payload != null) {
            builder.payload(payload);
        }
        return builder.build();
    }
}

package io.esm4j.idempotency;

import io.esm4j.internal.MappingNames;
import io.esm4j.settings.Setting;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How a mapping deduplicates: the store, how keys are found, what payload validation hashes, the keys' namespace and
 * the settings. Give it to a mapping builder's {@code idempotency(...)}; the mapping adds its own metrics and clock.
 *
 * <pre>{@code
 * Idempotency.<QueueMessage<SqsMessage>>of(store).withKey(IdempotencyKey.jsonPointerInBytes("/orderId", bodyBytes))
 * }</pre>
 *
 * @param namespace put in front of every key ({@link #NAMESPACE}); {@code null} for the mapping's name
 */
public record Idempotency<R>(IdempotencyStore store, IdempotencyKey<R> key,
                             @Nullable Function<? super R, byte @Nullable []> payload,
                             IdempotencySettings settings, @Nullable String namespace) {

    public static final Setting NAMESPACE = new Setting.Described("Namespace", MappingNames.RANGE,
            "the mapping's name", "Put in front of every key, with ':' after it (namespace:key). Mappings share "
                    + "keys only within one namespace: by default each mapping has its own, shared by its workers "
                    + "(the same name on several hosts); mappings given the same one (Idempotency.withNamespace) "
                    + "skip what another of them completed.");

    public Idempotency {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(settings, "settings");
        if (namespace != null) {
            MappingNames.check(NAMESPACE.name(), namespace);
        }
    }

    /** Keys from the records' natural ids in the mapping's own namespace, no payload validation, default settings. */
    public static <R> Idempotency<R> of(IdempotencyStore store) {
        return new Idempotency<>(store, IdempotencyKey.naturalId(), null, IdempotencySettings.defaults(), null);
    }

    public Idempotency<R> withKey(IdempotencyKey<R> key) {
        return new Idempotency<>(store, key, payload, settings, namespace);
    }

    /** The payload bytes payload validation hashes. */
    public Idempotency<R> withPayload(Function<? super R, byte @Nullable []> payload) {
        return new Idempotency<>(store, key, payload, settings, namespace);
    }

    public Idempotency<R> withSettings(IdempotencySettings settings) {
        return new Idempotency<>(store, key, payload, settings, namespace);
    }

    /**
     * Keys in {@code namespace} instead of the mapping's own: every mapping given the same namespace (and store)
     * skips the records another of them completed, as workers of one mapping do. A mapping's name is a namespace too,
     * so {@code withNamespace("orders")} shares the keys of the mapping named {@code orders}, e.g. after a rename.
     *
     * @throws io.esm4j.settings.InvalidSettingException when it is not 1–128 letters, digits, '.', '_' or '-'
     */
    public Idempotency<R> withNamespace(String namespace) {
        return new Idempotency<>(store, key, payload, settings,
                MappingNames.check(NAMESPACE.name(), namespace));
    }

    /**
     * Builds the deduplicator a mapping uses.
     *
     * @param mappingName the namespace when none was given
     */
    public BatchDeduplicator<R> deduplicator(String mappingName, MeterRegistry registry, Iterable<Tag> tags,
                                             Clock clock) {
        BatchDeduplicator.Builder<R> builder = BatchDeduplicator.<R>builder(store,
                        namespace != null ? namespace : mappingName, registry, tags)
                .key(key).settings(settings).clock(clock);
        if (payload != null) {
            builder.payload(payload);
        }
        return builder.build();
    }
}

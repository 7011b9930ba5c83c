package io.esm4j.idempotency;

import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.MappingNames;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.text.NumberFormat;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an engine calls around the handler: {@link #claim} a batch's records before invoking, hand
 * {@link Claim#toProcess()} to the handler, then report {@link Claim#completed} and {@link Claim#failed}.
 *
 * <p>Keys are stored as {@code namespace:key}, the namespace the builder was given.
 *
 * <pre>{@code
 * Claim<R> claim = dedup.claim(records, r -> r.shardId() + ":" + r.sequenceNumber(), deadline);
 * // duplicates(): done, checkpoint or delete them; inProgressElsewhere(): not done, retry them later
 * if (!claim.toProcess().isEmpty()) {
 *     try {
 *         invokeHandler(claim.toProcess());     // meanwhile claim.extend() every third of claim.lifetime()
 *                                               // with batch item failures: failed(failedOnes), completed(rest)
 *         claim.completed(claim.toProcess());
 *     } catch (Exception e) {
 *         claim.failed(claim.toProcess());
 *         throw e;                              // the duplicates come back with the batch: not skipped yet
 *     }
 * }
 * claim.skipped(claim.duplicates());            // those that do not come back: counted in DeduplicatedEventCount
 * }</pre>
 *
 * <p>Safe for concurrent use by several lanes; each claim gets its own owner id in the store.
 *
 * @param <R> the record type
 */
public final class BatchDeduplicator<R> {

    private static final Logger log = LoggerFactory.getLogger(BatchDeduplicator.class);

    /**
     * The Micrometer counter of records skipped because their key was already COMPLETED or repeated in a batch, each
     * counted once, when the engine reports it done ({@link Claim#skipped}): not again at each retry of a failed batch.
     */
    public static final String DEDUPLICATED_EVENT_COUNT = "DeduplicatedEventCount";
    /**
     * The Micrometer counter of records not passed to the handler because another consumer held their key: they come
     * back later. A shard or queue waiting on a crashed consumer's claims shows here.
     */
    public static final String IN_PROGRESS_ELSEWHERE_EVENT_COUNT = "InProgressElsewhereEventCount";

    private final IdempotencyStore store;
    // With ':' after it; no namespace has one, so two namespaces never share a stored key.
    private final String namespacePrefix;
    private final IdempotencyKey<R> key;
    private final @Nullable Function<? super R, byte @Nullable []> payload;
    private final IdempotencySettings settings;
    private final Clock clock;
    private final Counter deduplicated;
    private final Counter inProgressElsewhere;
    // Unique across processes sharing a store, so that one consumer can never release another's claim.
    private final String ownerPrefix = UUID.randomUUID() + "/";
    private final AtomicLong claimCount = new AtomicLong();

    private BatchDeduplicator(Builder<R> builder) {
        this.store = builder.store;
        this.namespacePrefix = builder.namespace + ":";
        this.key = builder.key;
        this.payload = builder.payload;
        this.settings = builder.settings;
        this.clock = builder.clock;
        this.deduplicated = Counter.builder(DEDUPLICATED_EVENT_COUNT)
                .description("Records not passed to the handler because their idempotency key was already processed")
                .tags(builder.tags)
                .register(builder.registry);
        this.inProgressElsewhere = Counter.builder(IN_PROGRESS_ELSEWHERE_EVENT_COUNT)
                .description("Records not passed to the handler because another consumer held their idempotency key")
                .tags(builder.tags)
                .register(builder.registry);
    }

    /**
     * @param store     where keys live
     * @param namespace put in front of every key, with ':' after it: a mapping's name, so that mappings sharing a
     *                  store never see each other's keys while the workers of one mapping see each other's
     *                  ({@link Idempotency#NAMESPACE}); 1–128 letters, digits, '.', '_' or '-'
     * @param registry  receives {@value #DEDUPLICATED_EVENT_COUNT} and {@value #IN_PROGRESS_ELSEWHERE_EVENT_COUNT}
     * @param tags      tags of that counter, e.g. the mapping's name
     * @throws io.esm4j.settings.InvalidSettingException when the namespace is not of that form
     */
    public static <R> Builder<R> builder(IdempotencyStore store, String namespace, MeterRegistry registry,
                                         Iterable<Tag> tags) {
        return new Builder<>(store, namespace, registry, tags);
    }

    /**
     * Decides which records of a batch reach the handler, and claims their keys.
     *
     * <p>A record whose key is COMPLETED is a duplicate. So is a record whose key an earlier record of the same batch
     * has, whatever happens to that earlier record: the event is done once that one is. The one exception: when the
     * earlier record's key is in progress elsewhere, the later one is in progress elsewhere too.
     *
     * <p>A record whose key another consumer holds is neither processed nor skipped: the engine must treat it as
     * failed and retry it (stream: the checkpoint stays before it; queue: it becomes visible again). By then the other
     * consumer has completed it (a duplicate), released it, or stopped and let its claim lapse (processed here).
     *
     * <p>Any exception (no usable key, payload validation, store error, store full) leaves nothing claimed by this
     * call. A record's own problem (no usable key, payload validation) fails the whole batch, so that bisection
     * isolates the poison record; the store's (error, full of live claims) is retried as it is, without counting a
     * retry attempt, since the handler never ran.
     *
     * @param records       the batch, in order
     * @param naturalId     the record's id from its source (see {@link IdempotencyKey#keyOf})
     * @param batchDeadline when the handler's time for this batch runs out (SQS: the visibility timeout); claims lapse
     *                      then, unless {@link IdempotencySettings#inProgressExpiry()} is set
     * @throws IdempotencyKeyException         when a record has no usable key
     * @throws IdempotencyValidationException  when payload validation is on and a key comes with a different payload
     * @throws IdempotencyStoreFullException   when the in-memory store is full of live claims
     * @throws IdempotencyStoreException       when the store failed; its error is the cause
     * @throws IllegalArgumentException        when the deadline is not after the current time
     */
    public Claim<R> claim(List<? extends R> records, Function<? super R, String> naturalId, Instant batchDeadline) {
        return claim(records, naturalId, batchDeadline, false);
    }

    /**
     * As {@link #claim(List, Function, Instant)}, but with {@code rejectAlone} a record's own problem (no usable key,
     * payload validation) sets only that record aside, in {@link Claim#rejected()}, and the rest of the batch is
     * claimed. For engines that can fail one record without the others and have no bisection to find it: a queue,
     * where failing the whole batch would send every message received with the poison one to the DLQ too.
     */
    public Claim<R> claim(List<? extends R> records, Function<? super R, String> naturalId, Instant batchDeadline,
                          boolean rejectAlone) {
        Instant now = clock.instant();
        Instant inProgressExpiry = inProgressExpiry(now, batchDeadline);
        // Whatever the time of each write: the deadline is the batch's (a queue's messages come back then).
        return claim(records, naturalId, Duration.between(now, inProgressExpiry), () -> inProgressExpiry, rejectAlone);
    }

    /**
     * As {@link #claim(List, Function, Instant, boolean)}, for engines with no delivery deadline (streams, Kafka): each
     * claim lasts {@code lifetime} (or {@link IdempotencySettings#inProgressExpiry()} when set) from its own write. One
     * write per record, a batch of 10,000 takes a while to claim: with one expiry for all, its last claims would be
     * that much shorter than the first, and could lapse before the first renewal reaches them.
     *
     * @param lifetime how long a claim lasts if it is never extended, completed or released (its consumer crashed)
     * @throws IllegalArgumentException when the lifetime is not positive
     */
    public Claim<R> claimLasting(List<? extends R> records, Function<? super R, String> naturalId, Duration lifetime,
                                 boolean rejectAlone) {
        Objects.requireNonNull(lifetime, "lifetime");
        if (!lifetime.isPositive()) {
            throw new IllegalArgumentException("lifetime " + Setting.words(lifetime) + " is not positive. Expected how long a claim "
                    + "lasts from its write if its consumer never reports back.");
        }
        Duration each = settings.inProgressExpiry() == null ? lifetime : settings.inProgressExpiry();
        return claim(records, naturalId, each, () -> clock.instant().plus(each), rejectAlone);
    }

    /**
     * @param lifetime  how long a claim lasts from its acquisition, for {@link Claim#lifetime()}
     * @param expiryNow the expiry of a claim written now
     */
    private Claim<R> claim(List<? extends R> records, Function<? super R, String> naturalId, Duration lifetime,
                           Supplier<Instant> expiryNow, boolean rejectAlone) {
        Objects.requireNonNull(records, "records");
        Objects.requireNonNull(naturalId, "naturalId");
        String owner = ownerPrefix + claimCount.incrementAndGet();
        List<R> toProcess = new ArrayList<>(records.size());
        List<R> duplicates = new ArrayList<>();
        List<R> elsewhere = new ArrayList<>();
        List<R> rejected = new ArrayList<>();
        Map<R, Claim.Held> held = new IdentityHashMap<>();
        Map<String, Seen> seen = new HashMap<>();
        try {
            for (R record : records) {
                String id = naturalId.apply(record);
                if (id == null || id.isBlank()) {
                    throw new IllegalArgumentException("The naturalId function returned '" + id + "' for a record. "
                            + "Expected its non-blank id from the source (e.g. shardId:sequenceNumber, messageId).");
                }
                try {
                    String recordKey = keyOf(record, id);
                    // build() refused validation without a payload function; the second test only tells the checker.
                    String hash = settings.payloadValidation() && payload != null
                            ? PayloadHash.sha256Hex(payload.apply(record)) : null;
                    Seen earlier = seen.get(recordKey);
                    if (earlier != null) {
                        validate(recordKey, earlier.payloadHash, hash);
                        (earlier.elsewhere ? elsewhere : duplicates).add(record);
                        continue;
                    }
                    boolean isElsewhere = false;
                    switch (acquire(recordKey, hash, owner, expiryNow.get())) {
                        case AcquireResult.Acquired acquired -> {
                            toProcess.add(record);
                            held.put(record, new Claim.Held(recordKey, hash));
                        }
                        case AcquireResult.AlreadyCompleted completed -> {
                            validate(recordKey, completed.payloadHash(), hash);
                            duplicates.add(record);
                        }
                        case AcquireResult.InProgressElsewhere inProgress -> {
                            // As Powertools does, whatever the stored record's status: waiting would only put off
                            // the error, or process the record unvalidated once the other consumer released it.
                            validate(recordKey, inProgress.payloadHash(), hash);
                            elsewhere.add(record);
                            isElsewhere = true;
                        }
                    }
                    seen.put(recordKey, new Seen(hash, isElsewhere));
                } catch (IdempotencyKeyException | IdempotencyValidationException e) {
                    if (!rejectAlone) {
                        throw e;
                    }
                    // The messages name the record's id or key and the pointer, never the payload.
                    MappingLogName.named(log.atWarn()).addKeyValue("naturalId", id)
                            .addKeyValue("reason", e.getMessage())
                            .log("a record is set aside: it fails alone, and the rest of its batch is processed");
                    rejected.add(record);
                }
            }
        } catch (RuntimeException e) {
            for (Claim.Held h : held.values()) {
                try {
                    store.release(h.key(), owner);
                } catch (RuntimeException releaseError) {
                    e.addSuppressed(releaseError);
                }
            }
            throw e;
        }
        // Duplicates are counted when the engine reports them done (Claim.skipped): a batch that fails and is retried
        // brings them back, and they must not count once per attempt. A held record counts at each retry: it shows a
        // shard waiting on another consumer's claims.
        inProgressElsewhere.increment(elsewhere.size());
        return new Claim<>(this, owner, lifetime, toProcess, duplicates, elsewhere, rejected, held);
    }

    /** Counts duplicates the engine treats as done; called by {@link Claim#skipped}. */
    void countDeduplicated(int records) {
        deduplicated.increment(records);
    }

    /** Marks a key COMPLETED; called by {@link Claim}. */
    void complete(Claim.Held held) {
        store.complete(held.key(), held.payloadHash(), clock.instant().plus(settings.completedTtl()));
    }

    /** Extends a claim; called by {@link Claim}. */
    boolean extend(Claim.Held held, String owner, Instant inProgressExpiry) {
        return store.extend(held.key(), held.payloadHash(), owner, inProgressExpiry);
    }

    /** The time of the deduplicator's clock; called by {@link Claim}. */
    Instant now() {
        return clock.instant();
    }

    /** Releases a claim; called by {@link Claim}. */
    boolean release(Claim.Held held, String owner) {
        return store.release(held.key(), owner);
    }

    private Instant inProgressExpiry(Instant now, Instant batchDeadline) {
        Objects.requireNonNull(batchDeadline, "batchDeadline");
        if (!batchDeadline.isAfter(now)) {
            throw new IllegalArgumentException("batchDeadline " + batchDeadline + " is not after the current time "
                    + now + ". Expected the future instant by which the handler must finish this batch.");
        }
        return settings.inProgressExpiry() == null ? batchDeadline : now.plus(settings.inProgressExpiry());
    }

    /** Tells the store's own errors from the records' problems, which the engine treats differently. */
    private AcquireResult acquire(String recordKey, @Nullable String hash, String owner, Instant inProgressExpiry) {
        try {
            return store.acquire(recordKey, hash, owner, inProgressExpiry);
        } catch (IdempotencyStoreFullException e) {
            throw e;
        } catch (RuntimeException e) {
            // The key is left out: a key read from a payload is payload.
            throw new IdempotencyStoreException("The idempotency store failed while claiming keys ("
                    + e.getClass().getName() + "); nothing is claimed, and the batch can be claimed again later.", e);
        }
    }

    private String keyOf(R record, String naturalId) {
        String recordKey;
        try {
            recordKey = key.keyOf(record, naturalId);
        } catch (IdempotencyKeyException e) {
            throw e;
        } catch (RuntimeException e) {
            // A key function that throws on a record (a field it lacks) is that record's problem, as a missing value
            // at a JSON pointer is: a queue sets it aside alone instead of failing every message received with it.
            // The exception's message is left out: it may quote the payload.
            throw new IdempotencyKeyException("The idempotency key function failed on record " + naturalId + " ("
                    + e.getClass().getName() + "; its message is not shown: it may quote the record). Expected a key, "
                    + "or an IdempotencyKeyException for a record that has none.", e);
        }
        if (recordKey == null || recordKey.isBlank()) {
            throw new IdempotencyKeyException("The idempotency key of record " + naturalId + " is "
                    + (recordKey == null ? "null" : "blank") + ". Expected a non-blank key.");
        }
        return namespacePrefix + recordKey;
    }

    private void validate(String recordKey, @Nullable String expectedHash, @Nullable String actualHash) {
        if (settings.payloadValidation() && expectedHash != null && actualHash != null
                && !expectedHash.equals(actualHash)) {
            throw new IdempotencyValidationException(recordKey, expectedHash, actualHash);
        }
    }

    /** The first record of a batch with a given key. */
    private record Seen(@Nullable String payloadHash, boolean elsewhere) {}

    /** Options; the store and the metrics are given to {@link #builder}. */
    public static final class Builder<R> {
        private final IdempotencyStore store;
        private final String namespace;
        private final MeterRegistry registry;
        private final Iterable<Tag> tags;
        private IdempotencyKey<R> key = IdempotencyKey.naturalId();
        private @Nullable Function<? super R, byte @Nullable []> payload;
        private IdempotencySettings settings = IdempotencySettings.defaults();
        private Clock clock = Clock.systemUTC();

        private Builder(IdempotencyStore store, String namespace, MeterRegistry registry, Iterable<Tag> tags) {
            this.store = Objects.requireNonNull(store, "store");
            this.namespace = MappingNames.check(Idempotency.NAMESPACE.name(), namespace);
            this.registry = Objects.requireNonNull(registry, "registry");
            this.tags = Objects.requireNonNull(tags, "tags");
        }

        /** How keys are found; the record's natural id by default. */
        public Builder<R> key(IdempotencyKey<R> value) {
            this.key = Objects.requireNonNull(value, "key");
            return this;
        }

        /** The payload bytes that payload validation hashes; required when it is on. */
        public Builder<R> payload(Function<? super R, byte @Nullable []> value) {
            this.payload = Objects.requireNonNull(value, "payload");
            return this;
        }

        public Builder<R> settings(IdempotencySettings value) {
            this.settings = Objects.requireNonNull(value, "settings");
            return this;
        }

        /** Sets claim and TTL expiries; share it with the store's clock. */
        public Builder<R> clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        public BatchDeduplicator<R> build() {
            if (settings.payloadValidation() && payload == null) {
                throw new IllegalStateException(IdempotencySettings.PAYLOAD_VALIDATION.name() + " is true but no "
                        + "payload function was given. Expected one to hash payloads: "
                        + "Idempotency.withPayload(record -> bytes) for a mapping, "
                        + "Builder.payload(record -> bytes) here.");
            }
            // The store holds its own bound; a different one in the settings would be silently ignored.
            if (store instanceof InMemoryIdempotencyStore memory && settings.maxEntries() != memory.maxEntries()
                    && settings.maxEntries() != IdempotencySettings.MAX_ENTRIES.defaultValue()) {
                throw new InvalidSettingException(IdempotencySettings.MAX_ENTRIES.name(), settings.maxEntries(),
                        "the bound of the InMemoryIdempotencyStore it is used with ("
                                + NumberFormat.getIntegerInstance(Locale.ROOT).format(memory.maxEntries())
                                + "): MaxEntries is the store's, given to its constructor, "
                                + "new InMemoryIdempotencyStore(" + settings.maxEntries() + ", clock)");
            }
            return new BatchDeduplicator<>(this);
        }
    }
}

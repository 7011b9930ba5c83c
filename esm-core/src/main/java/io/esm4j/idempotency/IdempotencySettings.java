package io.esm4j.idempotency;

import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import io.esm4j.settings.Setting.DurationSetting;
import io.esm4j.settings.Setting.IntSetting;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Deduplication settings. Every instance is valid: the constructor rejects an out-of-range value with an
 * {@link InvalidSettingException} (an {@link IllegalArgumentException}) naming the setting, the value and the range.
 *
 * @param completedTtl      how long a COMPLETED key suppresses its records
 * @param inProgressExpiry  how long a claim lasts from when it is taken or last extended, or {@code null} for the
 *                          engine's default: on streams and Kafka {@link #streamInProgressExpiry}, on SQS the queue's
 *                          visibility timeout (the deadline the engine passes to the claim)
 * @param payloadValidation whether a record whose key was completed with a different payload is an error
 * @param maxEntries        the bound of an {@link InMemoryIdempotencyStore}, which is given to the store's constructor:
 *                          no store reads it from here, so a mapping whose in-memory store has another bound refuses
 *                          any value but that bound and the default
 */
public record IdempotencySettings(
        Duration completedTtl, @Nullable Duration inProgressExpiry, boolean payloadValidation, int maxEntries) {

    public static final DurationSetting COMPLETED_TTL = new DurationSetting("CompletedTtl", Duration.ofSeconds(1),
            Duration.ofDays(30), Duration.ofHours(1),
            "How long a processed key keeps later records with that key from reaching the handler (720 h = 30 "
                    + "days). Afterwards the key counts as new.");

    private static final Duration IN_PROGRESS_EXPIRY_MIN = Duration.ofSeconds(1);
    private static final Duration IN_PROGRESS_EXPIRY_MAX = Duration.ofHours(12);

    /**
     * The shortest default claim lifetime on streams and Kafka. Short enough that a crashed consumer's keys hold its
     * shard's next owner up for about a minute rather than 15, long enough that a handler returning within 20 s pays
     * no renewal at all, and that a renewal pass over a batch of 10,000 claims (concurrent store calls, see
     * {@link Claim#extend}) fits well within the third of it it has before the next one is due.
     */
    private static final Duration STREAM_IN_PROGRESS_EXPIRY_FLOOR = Duration.ofMinutes(1);

    public static final Setting IN_PROGRESS_EXPIRY = new Setting.Described("InProgressExpiry",
            Setting.words(IN_PROGRESS_EXPIRY_MIN) + "–" + Setting.words(IN_PROGRESS_EXPIRY_MAX),
            "Kinesis, DynamoDB Streams: max(1 min, 3 × FailoverTime); Kafka: 1 min; SQS: the visibility timeout",
            "How long a claim on a key lasts from when it is taken or last extended. While the handler runs, "
                    + "its claims are extended every third of it, so only a consumer that stopped without completing "
                    + "or releasing them (a crash) lets them lapse; the records can then be processed again. After a "
                    + "crash the shard (or partition) waits up to this long for them.");
    public static final Setting PAYLOAD_VALIDATION = new Setting.Described("PayloadValidation", "true, false",
            "false", "Compare the SHA-256 of a record's payload with the one stored for its key; a mismatch is an "
                    + "IdempotencyValidationException instead of a skip.");
    public static final IntSetting MAX_ENTRIES = new IntSetting("MaxEntries", 1, 10_000_000, null, 100_000,
            "Keys the in-memory store holds. When full it evicts expired entries first, then the oldest COMPLETED "
                    + "ones; it never evicts a live INPROGRESS claim.");

    /** Every setting, in the order of the table in IDEMPOTENCY.md. */
    public static final List<Setting> ALL = List.of(COMPLETED_TTL, IN_PROGRESS_EXPIRY, PAYLOAD_VALIDATION,
            MAX_ENTRIES);

    public IdempotencySettings {
        COMPLETED_TTL.check(completedTtl);
        if (inProgressExpiry != null
                && (inProgressExpiry.compareTo(IN_PROGRESS_EXPIRY_MIN) < 0
                        || inProgressExpiry.compareTo(IN_PROGRESS_EXPIRY_MAX) > 0)) {
            throw new InvalidSettingException(IN_PROGRESS_EXPIRY.name(), Setting.words(inProgressExpiry),
                    "a duration from " + Setting.words(IN_PROGRESS_EXPIRY_MIN) + " to "
                            + Setting.words(IN_PROGRESS_EXPIRY_MAX));
        }
        MAX_ENTRIES.check(maxEntries);
    }

    /**
     * The default claim lifetime of a stream mapping: max(1 min, 3 × FailoverTime) on leased streams (Kinesis, DynamoDB
     * Streams), 1 minute on Kafka, whose consumer group does not use FailoverTime. A crashed consumer's claims then
     * hold its shard's next owner up for that long at most, not for 15 minutes (Lambda's longest function timeout,
     * the old default). Claims lapse when their renewals (every third of the lifetime) stop for about two thirds of
     * it: with three times FailoverTime, a paused JVM loses its claims only after a pause twice as long as one that
     * loses it the lease, so no claim lapses under a holder that would keep its lease.
     *
     * @param failoverTime the mapping's FailoverTime, or {@code null} where leases are not used (Kafka)
     */
    public static Duration streamInProgressExpiry(@Nullable Duration failoverTime) {
        if (failoverTime == null) {
            return STREAM_IN_PROGRESS_EXPIRY_FLOOR;
        }
        Duration tied = failoverTime.multipliedBy(3);
        return tied.compareTo(STREAM_IN_PROGRESS_EXPIRY_FLOOR) > 0 ? tied : STREAM_IN_PROGRESS_EXPIRY_FLOOR;
    }

    public static IdempotencySettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding the defaults. */
    public static final class Builder {
        private Duration completedTtl = COMPLETED_TTL.defaultValue();
        private @Nullable Duration inProgressExpiry;
        private boolean payloadValidation;
        private int maxEntries = MAX_ENTRIES.defaultValue();

        private Builder() {}

        public Builder completedTtl(Duration value) {
            this.completedTtl = value;
            return this;
        }

        /** A fixed claim duration instead of the engine's default; {@code null} restores the default. */
        public Builder inProgressExpiry(@Nullable Duration value) {
            this.inProgressExpiry = value;
            return this;
        }

        public Builder payloadValidation(boolean value) {
            this.payloadValidation = value;
            return this;
        }

        public Builder maxEntries(int value) {
            this.maxEntries = value;
            return this;
        }

        public IdempotencySettings build() {
            return new IdempotencySettings(completedTtl, inProgressExpiry, payloadValidation, maxEntries);
        }
    }
}

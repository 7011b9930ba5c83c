package io.esm4j.idempotency;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** What {@link IdempotencyStore#acquire} found. */
public sealed interface AcquireResult {

    /** The key was absent or expired and is now INPROGRESS for the caller: process the record. */
    enum Acquired implements AcquireResult {
        INSTANCE
    }

    /**
     * The key was processed before and its TTL has not passed: skip the record.
     *
     * @param payloadHash the hash stored with the key, or {@code null} if it was completed without payload validation
     * @param expiry      when the entry's TTL passes
     */
    record AlreadyCompleted(@Nullable String payloadHash, Instant expiry) implements AcquireResult {
        public AlreadyCompleted {
            Objects.requireNonNull(expiry, "expiry");
        }
    }

    /**
     * Another owner holds a live claim: the record is being processed elsewhere right now, or was by a consumer that
     * stopped without releasing it.
     *
     * @param expiry      when that claim lapses unless it is completed or released first
     * @param payloadHash the hash stored with the claim, or {@code null} if it was acquired without payload validation
     *                    (or the store does not report it): with payload validation on, a record whose hash differs
     *                    fails validation as against a COMPLETED key, as Powertools validates the stored record
     *                    whatever its status
     */
    record InProgressElsewhere(Instant expiry, @Nullable String payloadHash) implements AcquireResult {
        public InProgressElsewhere {
            Objects.requireNonNull(expiry, "expiry");
        }

        /** A claim reported without its hash: a record with its key is not validated against it. */
        public InProgressElsewhere(Instant expiry) {
            this(expiry, null);
        }
    }
}

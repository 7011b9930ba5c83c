package io.esm4j.lease;

import java.time.Instant;
import java.util.Objects;

/**
 * A shard's position as its lease stores it: where a worker that takes the lease starts reading. A new lease holds
 * one of the starting positions; once records are done it holds the last done sequence number; a finished shard
 * holds {@link ShardEnd}. (KCL keeps the same sentinels, TRIM_HORIZON, LATEST, AT_TIMESTAMP and SHARD_END, in its
 * lease table.)
 */
public sealed interface Checkpoint {

    /** Not started: read from the oldest record still in the shard. */
    enum TrimHorizon implements Checkpoint {
        INSTANCE
    }

    /** Not started: read only what arrives after the reader opens. */
    enum Latest implements Checkpoint {
        INSTANCE
    }

    /** Not started: read from the first record that arrived at or after the timestamp. */
    record AtTimestamp(Instant timestamp) implements Checkpoint {
        public AtTimestamp {
            Objects.requireNonNull(timestamp, "timestamp");
        }
    }

    /** Every record up to and including this sequence number is done. */
    record AtSequenceNumber(String sequenceNumber) implements Checkpoint {
        public AtSequenceNumber {
            Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        }
    }

    /** Every record of the shard is done and the shard is closed; its children may start. */
    enum ShardEnd implements Checkpoint {
        INSTANCE
    }

    /** True until a record of the shard is done: the checkpoint is one of the starting positions. */
    default boolean notStarted() {
        return this instanceof TrimHorizon || this instanceof Latest || this instanceof AtTimestamp;
    }
}

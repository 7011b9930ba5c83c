package io.esm4j.stream;

import java.time.Instant;
import java.util.Objects;

/** Where a shard reader starts: the mapping's starting position, or just after a checkpoint. */
public sealed interface ReadStart {

    /** The oldest record still in the shard. */
    record TrimHorizon() implements ReadStart {}

    /** Only records written after the reader opened. */
    record Latest() implements ReadStart {}

    /** The first record that arrived at or after the timestamp. */
    record AtTimestamp(Instant timestamp) implements ReadStart {
        public AtTimestamp {
            Objects.requireNonNull(timestamp, "timestamp");
        }
    }

    /** The record just after a sequence number: how a shard resumes from its checkpoint. */
    record AfterSequenceNumber(String sequenceNumber) implements ReadStart {
        public AfterSequenceNumber {
            Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        }
    }
}

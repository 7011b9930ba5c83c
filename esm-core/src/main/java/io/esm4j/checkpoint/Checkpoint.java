package io.esm4j.checkpoint;

import java.util.Objects;

/** What is stored for a shard: everything up to a sequence number is done, or the whole shard is. */
public sealed interface Checkpoint {

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
}

package io.esm4j.internal.stream;

import io.esm4j.lease.Checkpoint;
import io.esm4j.stream.ReadStart;

/** How a checkpoint reads in a status view and in logs, and where a reader starts from it. */
final class Checkpoints {

    private Checkpoints() {}

    static String describe(Checkpoint checkpoint) {
        return switch (checkpoint) {
            case Checkpoint.TrimHorizon t -> "TRIM_HORIZON";
            case Checkpoint.Latest l -> "LATEST";
            case Checkpoint.AtTimestamp at -> "AT_TIMESTAMP " + at.timestamp();
            case Checkpoint.AtSequenceNumber at -> at.sequenceNumber();
            case Checkpoint.ShardEnd e -> "SHARD_END";
        };
    }

    /** Where a shard worker starts reading; a shard whose checkpoint is SHARD_END has nothing left to read. */
    static ReadStart readStart(Checkpoint checkpoint) {
        return switch (checkpoint) {
            case Checkpoint.TrimHorizon t -> new ReadStart.TrimHorizon();
            case Checkpoint.Latest l -> new ReadStart.Latest();
            case Checkpoint.AtTimestamp at -> new ReadStart.AtTimestamp(at.timestamp());
            case Checkpoint.AtSequenceNumber at -> new ReadStart.AfterSequenceNumber(at.sequenceNumber());
            case Checkpoint.ShardEnd e -> throw new IllegalStateException("the shard has ended: its lease's "
                    + "checkpoint is SHARD_END, so there is nothing left to read");
        };
    }
}

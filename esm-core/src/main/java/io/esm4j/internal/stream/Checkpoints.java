package io.esm4j.internal.stream;

import io.esm4j.lease.Checkpoint;

/** How a checkpoint reads in a status view and in logs: KCL's sentinel names, or the sequence number. */
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
}

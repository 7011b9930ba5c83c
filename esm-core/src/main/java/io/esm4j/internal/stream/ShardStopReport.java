package io.esm4j.internal.stream;

import io.esm4j.lease.Checkpoint;

/** What one shard left when its worker stopped, and whether its lease was released. */
record ShardStopReport(String shardId, Checkpoint checkpoint, long recordsNotDone, boolean checkpointSaved,
                       boolean released) {}

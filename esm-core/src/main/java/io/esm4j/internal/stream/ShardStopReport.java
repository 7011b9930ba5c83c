package io.esm4j.internal.stream;

import io.esm4j.lease.Checkpoint;

/** What one shard left when its worker stopped. */
record ShardStopReport(String shardId, Checkpoint checkpoint, long recordsNotDone, boolean checkpointSaved) {}

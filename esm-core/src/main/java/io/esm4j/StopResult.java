package io.esm4j;

import io.esm4j.lease.Checkpoint;
import java.util.List;
import java.util.Map;

/**
 * What {@link EventSourceMapping#stop(java.time.Duration)} left behind.
 *
 * @param drainedInTime              true if every in-flight batch finished before the timeout; false if handlers
 *                                   still running were interrupted
 * @param checkpoints                the last checkpoint written for each shard this run worked on
 * @param recordsNotProcessed        records read but not done (buffered, or in batches that failed or were
 *                                   interrupted); they are after the checkpoint and are read again on restart
 * @param shardsWithUnsavedCheckpoint shards whose latest checkpoint could not be written (the store failed)
 */
public record StopResult(
        boolean drainedInTime,
        Map<String, Checkpoint> checkpoints,
        long recordsNotProcessed,
        List<String> shardsWithUnsavedCheckpoint) {

    public StopResult {
        checkpoints = Map.copyOf(checkpoints);
        shardsWithUnsavedCheckpoint = List.copyOf(shardsWithUnsavedCheckpoint);
        if (recordsNotProcessed < 0) {
            throw new IllegalArgumentException("recordsNotProcessed must be >= 0 but was " + recordsNotProcessed);
        }
    }
}

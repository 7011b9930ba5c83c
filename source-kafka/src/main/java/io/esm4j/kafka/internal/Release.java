package io.esm4j.kafka.internal;

import io.esm4j.lease.Checkpoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What letting partitions go left: whether their lanes ended in time, the last done record of each, the records not
 * done, and the partitions whose done prefix the broker did not take.
 */
record Release(boolean drained, Map<String, Checkpoint> checkpoints, long notDone, List<String> unsaved) {

    /**
     * @param saved whether the commit went through (or none was due); when false, the partitions with a done prefix
     *              beyond their last commit are named unsaved
     */
    static Release of(Collection<PartitionState> states, boolean drained, boolean saved) {
        Map<String, Checkpoint> checkpoints = new HashMap<>();
        long notDone = 0;
        List<String> unsaved = new ArrayList<>();
        for (PartitionState state : states) {
            if (state.doneUpTo >= 0) {
                checkpoints.put(state.shardId, new Checkpoint.AtSequenceNumber(Long.toString(state.doneUpTo - 1)));
            }
            notDone += state.unfinished();
            if (!saved && state.pendingCommit() >= 0) {
                unsaved.add(state.shardId);
            }
        }
        return new Release(drained, checkpoints, notDone, unsaved);
    }
}

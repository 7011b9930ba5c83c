package io.esm4j.internal.stream;

import io.esm4j.internal.MappingStatus;

/**
 * The status components under which a shard's problems show. Only the part that failed clears its problem, when it
 * works again; a shard this worker no longer runs (ended, handed over, its lease lost) never will, so its problems
 * are cleared together when it goes, or they would keep the mapping's reason, and readiness, at PROBLEM for good.
 */
final class ShardProblems {

    private static final String DESTINATION = "on-failure destination of ";

    private ShardProblems() {}

    /** The shard's worker restarted after a failure. */
    static String worker(String shardId) {
        return "shard " + shardId;
    }

    /** Reading the shard failed. */
    static String reader(String shardId) {
        return "shard " + shardId + " reader";
    }

    /** Writing the shard's checkpoint failed. */
    static String checkpoints(String shardId) {
        return "checkpoints of " + shardId;
    }

    /** Renewing the shard's lease failed. */
    static String lease(String shardId) {
        return "lease of " + shardId;
    }

    /**
     * The on-failure destination refused a failure record of one lane of the shard ({@code lane}: unique per lane of
     * each session). One per lane, so that a lane that delivers clears only its own wait, never another lane's.
     */
    static String destination(String shardId, long lane) {
        return DESTINATION + shardId + " lane " + lane;
    }

    /** Clears every problem of a shard this worker no longer runs. */
    static void clear(MappingStatus status, String shardId) {
        status.resolved(worker(shardId));
        status.resolved(reader(shardId));
        status.resolved(checkpoints(shardId));
        status.resolved(lease(shardId));
        status.resolvedStartingWith(DESTINATION + shardId + " lane ");
    }
}

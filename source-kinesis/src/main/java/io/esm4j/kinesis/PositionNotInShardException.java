package io.esm4j.kinesis;

/**
 * A position the mapping resumes a shard from is one of another stream, most likely of a stream of the same name that
 * was deleted and created again: the shard refused it, or it is below the shard's first sequence number
 * ({@link ShardListing#requireInShard}). Its message says what happened and what to do; the mapping's status shows it
 * as the shard's problem.
 */
final class PositionNotInShardException extends IllegalStateException {

    private static final long serialVersionUID = 1L;
    /** What a user does about a stream that was deleted and created again. */
    static final String WHAT_TO_DO = "The mapping does not move on to the new stream by itself: to read it, stop the "
            + "mapping, delete its leases (they hold the old stream's checkpoints) and start it again, or start it "
            + "under a new name; it then begins at its StartingPosition";

    PositionNotInShardException(String message) {
        super(message);
    }

    PositionNotInShardException(String message, Throwable cause) {
        super(message, cause);
    }
}

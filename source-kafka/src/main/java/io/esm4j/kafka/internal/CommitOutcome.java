package io.esm4j.kafka.internal;

/** What became of a commit that waited for the broker's answer. */
enum CommitOutcome {
    /** The broker took the offsets, or there was nothing new to commit. */
    SAVED,
    /**
     * Refused because the member is in the middle of a rebalance (classic group protocol): a poll completes it, and
     * a commit of the partitions still owned afterwards may go through.
     */
    REBALANCING,
    /** Refused or unanswered for any other reason: the offsets are not saved. */
    FAILED
}

package io.esm4j.stream.polling;

/** What an {@link IteratorShardReader} does about a failed call, as {@link IteratorCalls#classify} decides. */
public enum CallFailure {

    /** The service throttled the call: wait with exponential backoff and make the same call again. */
    THROTTLED,

    /**
     * The shard iterator passed to GetRecords has expired: open a new one just after the last record handed out, or
     * where the reader started if it has handed out nothing.
     */
    ITERATOR_EXPIRED,

    /**
     * The position asked for is older than the shard's retention (DynamoDB Streams' TrimmedDataAccessException). From
     * GetRecords it is handled like {@link #ITERATOR_EXPIRED}; from opening an iterator the reader opens at
     * TRIM_HORIZON instead, since what lay between is gone.
     */
    POSITION_TRIMMED,

    /** Anything else: the reader lets the exception through to the engine, which backs off and fetches again. */
    OTHER
}

package io.esm4j.metrics;

/**
 * The Micrometer meters a mapping registers, named as Lambda names its event source mapping metrics where Lambda
 * has one (docs/lambda-semantics.md §6.1). Every meter carries the tag {@value #MAPPING_TAG} with the mapping's name.
 *
 * <p>Mappings of one name running at once with one registry (workers sharing a lease store) share each meter, tags
 * unchanged: counters add up, a gauge combines their values as each gauge's description says, and a meter is removed
 * when the last of them stops.
 */
public final class MetricNames {

    public static final String MAPPING_TAG = "mapping";
    /** The tag of per-shard meters. */
    public static final String SHARD_TAG = "shard";

    /** Records read from the source; an empty poll adds 0. */
    public static final String POLLED_EVENT_COUNT = "PolledEventCount";
    /** Records removed by filter criteria (they count as done). */
    public static final String FILTERED_OUT_EVENT_COUNT = "FilteredOutEventCount";
    /** Records sent to the handler; a retried record counts again. */
    public static final String INVOKED_EVENT_COUNT = "InvokedEventCount";
    /** Records in failed invocations, including those named in batch item failures. */
    public static final String FAILED_INVOKE_EVENT_COUNT = "FailedInvokeEventCount";
    /** Records given up (MaximumRecordAge, MaximumRetryAttempts) with no on-failure destination. */
    public static final String DROPPED_EVENT_COUNT = "DroppedEventCount";
    /** Records whose failure record reached the on-failure destination. */
    public static final String ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT = "OnFailureDestinationDeliveredEventCount";
    /** Failed attempts to deliver a failure record; the delivery is retried and the checkpoint waits. */
    public static final String DESTINATION_DELIVERY_FAILURES = "DestinationDeliveryFailures";
    /**
     * esm4j, stream mappings: records whose retries or maximum age ran out after this worker lost the shard's lease
     * (another worker took it, or it could not be renewed in time). They are neither sent to the on-failure destination
     * nor dropped: the lease's next owner reads them again from the last checkpoint.
     */
    public static final String LEFT_TO_NEW_OWNER_EVENT_COUNT = "LeftToNewOwnerEventCount";
    /** Queue mappings: messages deleted after success or filtering. */
    public static final String DELETED_EVENT_COUNT = "DeletedEventCount";
    /** Queue mappings: delete entries the queue refused after retries (the message will be delivered again). */
    public static final String DELETE_ERROR_COUNT = "DeleteErrorCount";
    /**
     * Stream mappings: how far behind the most lagging shard is, in milliseconds; a gauge. Per shard, the larger of
     * how far its reader is behind the newest record (millis-behind-latest where the source reports it, else the age
     * of the newest record read) and how long the oldest record read and not yet done has been in the stream (with
     * tumbling windows, since its window ended), so that it climbs while a batch is retried, as Lambda's does. Across
     * mappings of one name, the largest.
     */
    public static final String ITERATOR_AGE = "IteratorAge";
    /**
     * esm4j, stream mappings: the same per shard, tagged {@value #SHARD_TAG}; gone when the shard is (from every
     * mapping of the name: while a lease moves, two may hold the shard, and the gauge reads the larger age).
     */
    public static final String SHARD_ITERATOR_AGE = "ShardIteratorAge";
    /** Records per invocation. */
    public static final String BATCH_SIZE = "BatchSize";
    /** Time the handler took per invocation. */
    public static final String HANDLER_DURATION = "HandlerDuration";
    /** Failed fetches from the source (each is retried with backoff). */
    public static final String POLLING_ERROR_COUNT = "PollingErrorCount";
    /**
     * Kafka mappings only, as Lambda's ErrorCount group: failed invocations, one per invocation whose records count in
     * {@link #FAILED_INVOKE_EVENT_COUNT} (an error, a failed response, batch item failures, or the function not
     * invoked).
     */
    public static final String INVOKE_ERROR_COUNT = "InvokeErrorCount";
    /**
     * Kafka mappings only, as Lambda's ErrorCount group: failed attempts to deliver a failure record to the on-failure
     * destination; each also counts in {@link #DESTINATION_DELIVERY_FAILURES}.
     */
    public static final String ON_FAILURE_DESTINATION_DELIVERY_ERROR_COUNT = "OnFailureDestinationDeliveryErrorCount";

    /** esm4j: a shard worker or queue poller failed outside the handler and was restarted (with backoff). */
    public static final String RESTART_COUNT = "RestartCount";
    /** esm4j: checkpoint writes that failed; each is retried in the background. */
    public static final String CHECKPOINT_WRITE_FAILURES = "CheckpointWriteFailures";
    /** esm4j: shard leases this worker lost to another worker (or could not renew in time). */
    public static final String LEASES_LOST = "LeasesLost";
    /**
     * esm4j: shards the stream dropped (past retention) before the mapping read them to the end; their leases were
     * deleted and the records after their checkpoints expired unread.
     */
    public static final String UNFINISHED_SHARDS_EXPIRED = "UnfinishedShardsExpired";
    /**
     * esm4j: times a shard's reader found its position (a checkpoint, or just after its last record read) older than
     * the stream's retention and went on from the oldest record left: the records in between expired unread.
     */
    public static final String READ_POSITIONS_EXPIRED = "ReadPositionsExpired";
    /**
     * esm4j: other workers this worker found holding leases of the mapping with another FailoverTime, counted once
     * per worker and value (as the warning is logged); workers sharing a lease store must agree on it.
     */
    public static final String FAILOVER_TIME_MISMATCHES = "FailoverTimeMismatches";

    /** esm4j: shard leases this worker holds now; a gauge, the sum across mappings of one name. */
    public static final String LEASES_HELD = "LeasesHeld";
    /** esm4j: leases this worker took, tagged {@value #FROM_TAG}: unowned, expired or stolen. */
    public static final String LEASES_TAKEN = "LeasesTaken";
    /** The tag of {@link #LEASES_TAKEN}. */
    public static final String FROM_TAG = "from";
    /** esm4j: leases this worker asked another worker to hand over (balancing, GracefulHandoffTimeout). */
    public static final String LEASE_HANDOFFS_REQUESTED = "LeaseHandoffsRequested";
    /** esm4j: leases this worker handed over when asked: final checkpoint written, lease released. */
    public static final String LEASE_HANDOFFS_COMPLETED = "LeaseHandoffsCompleted";
    /** esm4j: leases this worker asked for and took anyway because the owner did not release them in time. */
    public static final String LEASE_HANDOFFS_TIMED_OUT = "LeaseHandoffsTimedOut";
    /** esm4j: how long each lease renewal took, failed ones included. */
    public static final String LEASE_RENEWAL_LATENCY = "LeaseRenewalLatency";

    /**
     * esm4j, stream mappings with MaximumConcurrency: invocations running under the cap; a gauge, the sum across
     * mappings of one name.
     */
    public static final String CONCURRENCY_IN_USE = "ConcurrencyInUse";
    /**
     * esm4j, stream mappings with MaximumConcurrency: batches formed and waiting for the cap; a gauge, the sum across
     * mappings of one name.
     */
    public static final String CONCURRENCY_WAITING = "ConcurrencyWaiting";

    private MetricNames() {}
}

package io.esm4j.settings;

import io.esm4j.settings.Setting.DurationSetting;
import io.esm4j.settings.Setting.IntSetting;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a stream mapping (Kinesis, DynamoDB Streams), with Lambda's names, ranges and defaults
 * (docs/lambda-semantics.md §1). Built with {@link #builder()}. Every instance is valid: the constructor, and so
 * {@link Builder#build()}, rejects every out-of-range value with an {@link InvalidSettingException} naming the
 * parameter, the value and the allowed range.
 */
public record StreamSettings(
        int batchSize,
        Duration maximumBatchingWindow,
        int parallelizationFactor,
        StartingPosition startingPosition,
        @Nullable Instant startingPositionTimestamp,
        boolean bisectBatchOnFunctionError,
        int maximumRecordAgeInSeconds,
        int maximumRetryAttempts,
        boolean reportBatchItemFailures,
        boolean bisectConsumesRetryQuota,
        @Nullable String functionArn,
        Duration retryBackoffInitial,
        Duration retryBackoffMax,
        int maxBufferedRecordsPerShard,
        int maxBufferedMegabytesPerShard,
        Duration idlePollInterval,
        Duration shardSyncInterval,
        int tumblingWindowInSeconds,
        Duration checkpointInterval,
        Duration failoverTime,
        int maxLeasesToStealAtOneTime,
        int maximumConcurrency,
        Duration gracefulHandoffTimeout,
        HandlerThreads handlerThreads) {

    /** Lambda's invocation payload limit for synchronous invocation; not modifiable, as in Lambda. */
    public static final int MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

    public static final IntSetting BATCH_SIZE = new IntSetting("BatchSize", 1, 10_000, null, 100,
            "Most records in one invocation. A batch also ends at the 6 MB payload cap.");
    public static final DurationSetting MAXIMUM_BATCHING_WINDOW = new DurationSetting("MaximumBatchingWindowInSeconds",
            Duration.ZERO, Duration.ofSeconds(300), Duration.ZERO,
            "How long to gather records before invoking, counted from the end of the previous invocation. "
                    + "0 invokes as soon as records are available. Sub-second values are allowed. esm4j: the window "
                    + "also ends while the shard's buffer (MaxBufferedRecordsPerShard, MaxBufferedMegabytesPerShard) "
                    + "is full, since no record can join the batch until some are done.");
    public static final IntSetting PARALLELIZATION_FACTOR = new IntSetting("ParallelizationFactor", 1, 10, null, 1,
            "Batches of one shard in flight at once; records of one partition key stay in order.");
    public static final IntSetting MAXIMUM_CONCURRENCY = new IntSetting("MaximumConcurrency", 1, 1_000, -1, -1,
            "esm4j for streams (Lambda has ScalingConfig.MaximumConcurrency for SQS only): batches of the mapping in "
                    + "flight at once across all its shards; a batch holds its slot while invoked, not while a retry "
                    + "waits, and waiting batches take slots in turn. -1: no mapping-wide cap. Kinesis and DynamoDB "
                    + "Streams keep ParallelizationFactor lanes per shard under it; on Kafka with ParallelizationFactor "
                    + "above 1, a partition may run up to this many batches (of distinct keys) instead of "
                    + "ParallelizationFactor.");
    public static final Setting STARTING_POSITION = new Setting.Described("StartingPosition",
            "TRIM_HORIZON, LATEST, AT_TIMESTAMP", "required",
            "Where a shard without a checkpoint starts; a resharding's children too, but LATEST's at TRIM_HORIZON. "
                    + "Kafka: a partition without a committed offset; one created after the mapping started, or of "
                    + "a topic the group had offsets on, at its earliest offset.");
    public static final Setting STARTING_POSITION_TIMESTAMP = new Setting.Described("StartingPositionTimestamp",
            "an instant not in the future; only with AT_TIMESTAMP", "none",
            "The arrival time to start from with AT_TIMESTAMP.");
    public static final Setting BISECT_BATCH_ON_FUNCTION_ERROR = new Setting.Described("BisectBatchOnFunctionError",
            "true, false", "false",
            "Split a failed batch in halves and retry each, until a failing record is isolated.");
    public static final IntSetting MAXIMUM_RECORD_AGE = new IntSetting("MaximumRecordAgeInSeconds", 60, 604_800, -1,
            -1, "Records older than this are not invoked again; they go to the on-failure destination with "
                    + "condition RecordAgeExceeded. Never longer than the stream keeps records; -1: until the record expires from the stream, when the source "
                    + "reports its retention (Kinesis: the stream's retention period; DynamoDB Streams: 24 h).");
    public static final IntSetting MAXIMUM_RETRY_ATTEMPTS = new IntSetting("MaximumRetryAttempts", 0, 10_000, -1, -1,
            "Retries of a failed batch; N retries mean N+1 invocations. Then the records go to the on-failure "
                    + "destination with condition RetryAttemptsExhausted.");
    public static final Setting FUNCTION_RESPONSE_TYPES = new Setting.Described("FunctionResponseTypes",
            "none, ReportBatchItemFailures", "none",
            "With ReportBatchItemFailures the handler names failed records; the shard resumes from the lowest one.");
    public static final Setting BISECT_CONSUMES_RETRY_QUOTA = new Setting.Described("BisectConsumesRetryQuota",
            "true, false", "false",
            "esm4j: whether a split counts as a retry. AWS says splitting does not consume the retry quota "
                    + "(docs/lambda-semantics.md §10.1); true makes every failed invocation count.");
    public static final Setting FUNCTION_ARN = new Setting.Described("FunctionArn", "any string",
            "arn:aws:lambda:local:000000000000:function:{mapping name}",
            "esm4j: written as requestContext.functionArn in failure records.");
    public static final DurationSetting RETRY_BACKOFF_INITIAL = new DurationSetting("RetryBackoffInitial",
            Duration.ofMillis(1), Duration.ofMinutes(15), Duration.ofSeconds(1),
            "esm4j: wait before the first retry of a failed batch or source call; doubles per retry with ±50% jitter.");
    public static final DurationSetting RETRY_BACKOFF_MAX = new DurationSetting("RetryBackoffMax",
            Duration.ofMillis(1), Duration.ofMinutes(15), Duration.ofMinutes(1),
            "esm4j: the longest wait between retries; at least RetryBackoffInitial.");
    public static final IntSetting MAX_BUFFERED_RECORDS = new IntSetting("MaxBufferedRecordsPerShard", 1, 1_000_000,
            null, 20_000,
            "esm4j: records read but not yet passed by the checkpoint, per shard; the reader pauses at the bound.");
    public static final IntSetting MAX_BUFFERED_MEGABYTES = new IntSetting("MaxBufferedMegabytesPerShard", 6, 4_096,
            null, 64, "esm4j: payload megabytes read but not yet done, per shard; the reader pauses at the bound.");
    public static final DurationSetting IDLE_POLL_INTERVAL = new DurationSetting("IdlePollInterval", Duration.ZERO,
            Duration.ofSeconds(10), Duration.ofMillis(250),
            "esm4j: for sources that are polled (Kinesis without enhanced fan-out, DynamoDB Streams): after a fetch "
                    + "that returned no records, the least time from its start to the next fetch of that shard (a "
                    + "source that long-polls has waited already); up to a tenth more, so that idle shards wake "
                    + "together. Sources whose records can be awaited (the in-memory stream, Kinesis with enhanced "
                    + "fan-out) are not polled: an idle shard waits for its next record.");
    public static final DurationSetting SHARD_SYNC_INTERVAL = new DurationSetting("ShardSyncInterval",
            Duration.ofMillis(100), Duration.ofHours(1), Duration.ofSeconds(30),
            "esm4j: how often the shard list is refreshed; a shard end refreshes it at once.");

    public static final IntSetting TUMBLING_WINDOW = new IntSetting("TumblingWindowInSeconds", 0, 900, null, 0,
            "Aggregate records in windows of this many seconds by arrival time, with state passed from invocation "
                    + "to invocation; 0 turns windows off. Requires ParallelizationFactor 1 (state is per shard).");

    public static final Setting FILTER_CRITERIA = new Setting.Described("FilterCriteria",
            "up to 5 patterns of at most 4,096 characters; FilterCriteria.of(patterns, 10) raises the limit to 10",
            "none", "Lambda filter patterns, ORed; a record matching none is not invoked and counts as done.");

    public static final DurationSetting CHECKPOINT_INTERVAL = new DurationSetting("CheckpointInterval",
            Duration.ZERO, Duration.ofMinutes(5), Duration.ofSeconds(1),
            "esm4j: how often at most a shard's checkpoint is written; writes run in the background and always write "
                    + "the newest done position, so a slow lease store never slows processing. Also written at stop.");
    public static final DurationSetting FAILOVER_TIME = new DurationSetting("FailoverTime", Duration.ofMillis(300),
            Duration.ofMinutes(10), Duration.ofSeconds(10),
            "esm4j: a shard lease whose counter another worker sees stand still this long is expired and taken "
                    + "over. The holder renews every third of it and stops processing the shard if it could not "
                    + "renew for about three quarters of it. Every worker sharing a lease store must have the same: "
                    + "each renewal records it in the lease, and a worker that sees another value on another "
                    + "worker's lease logs a warning and reports PROBLEM: FailoverTime differs between workers "
                    + "(esm-core/LEASES.md).");
    public static final IntSetting MAX_LEASES_TO_STEAL = new IntSetting("MaxLeasesToStealAtOneTime", 0, 100, null, 1,
            "esm4j: how many leases a worker below its even share takes per round from the most loaded worker "
                    + "when no lease is free; 0 never steals.");
    public static final DurationSetting GRACEFUL_HANDOFF_TIMEOUT = new DurationSetting("GracefulHandoffTimeout",
            Duration.ZERO, Duration.ofMinutes(15), Duration.ofSeconds(30),
            "esm4j: a worker that balances asks the most loaded worker for a lease instead of taking it; the owner, "
                    + "which notices the request within min(FailoverTime / 2, ShardSyncInterval), finishes its batches "
                    + "in flight for up to half of what is left, checkpoints and releases the lease within this time; "
                    + "otherwise it is taken anyway. Keep it at least twice min(FailoverTime / 2, ShardSyncInterval). "
                    + "0 takes at once (in-flight work is then handled again).");

    public static final Setting HANDLER_THREADS = new Setting.Described("HandlerThreads", "VIRTUAL, PLATFORM",
            "VIRTUAL", "esm4j: the thread the handler runs on, one per lane of a shard (streams) or per poller "
                    + "(queues). A virtual thread that blocks pinned to its carrier (on Java 21–23 inside synchronized, "
                    + "as older JDBC drivers and many clients do; on any Java in a class initializer or a native call) "
                    + "holds one of the carriers, as many as cores: handlers in flight are capped at that, and esm4j's "
                    + "own virtual threads (shard readers, checkpoint writes, visibility heartbeats, idempotency claim "
                    + "renewal) wait, so messages can reappear and be delivered twice. PLATFORM runs each lane or "
                    + "poller on a daemon platform thread; esm4j's own threads stay as they are.");

    /** Every stream setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(BATCH_SIZE, MAXIMUM_BATCHING_WINDOW, PARALLELIZATION_FACTOR,
            MAXIMUM_CONCURRENCY, STARTING_POSITION, STARTING_POSITION_TIMESTAMP, BISECT_BATCH_ON_FUNCTION_ERROR,
            MAXIMUM_RECORD_AGE, MAXIMUM_RETRY_ATTEMPTS, FUNCTION_RESPONSE_TYPES, BISECT_CONSUMES_RETRY_QUOTA, FUNCTION_ARN,
            RETRY_BACKOFF_INITIAL, RETRY_BACKOFF_MAX, MAX_BUFFERED_RECORDS, MAX_BUFFERED_MEGABYTES,
            IDLE_POLL_INTERVAL, SHARD_SYNC_INTERVAL, TUMBLING_WINDOW, CHECKPOINT_INTERVAL, FAILOVER_TIME,
            MAX_LEASES_TO_STEAL, GRACEFUL_HANDOFF_TIMEOUT, HANDLER_THREADS, FILTER_CRITERIA);

    /**
     * Every check lives here rather than in the builder, because the canonical constructor of a public record is
     * public: no instance can skip them.
     */
    public StreamSettings {
        if (startingPosition == null) {
            throw new InvalidSettingException(STARTING_POSITION.name(), "null",
                    "one of " + STARTING_POSITION.range());
        }
        if (startingPosition == StartingPosition.AT_TIMESTAMP && startingPositionTimestamp == null) {
            throw new InvalidSettingException(STARTING_POSITION_TIMESTAMP.name(), "null",
                    "a timestamp when StartingPosition is AT_TIMESTAMP");
        }
        if (startingPosition != StartingPosition.AT_TIMESTAMP && startingPositionTimestamp != null) {
            throw new InvalidSettingException(STARTING_POSITION_TIMESTAMP.name(), startingPositionTimestamp,
                    "no timestamp unless StartingPosition is AT_TIMESTAMP (it is " + startingPosition + ")");
        }
        checkRetryBackoff(retryBackoffInitial, retryBackoffMax);
        if (TUMBLING_WINDOW.check(tumblingWindowInSeconds) > 0 && parallelizationFactor != 1) {
            throw new InvalidSettingException(PARALLELIZATION_FACTOR.name(), parallelizationFactor,
                    "1 when TumblingWindowInSeconds is set (it is " + tumblingWindowInSeconds + ")");
        }
        checkHandlerThreads(handlerThreads);
        BATCH_SIZE.check(batchSize);
        MAXIMUM_BATCHING_WINDOW.check(maximumBatchingWindow);
        PARALLELIZATION_FACTOR.check(parallelizationFactor);
        MAXIMUM_RECORD_AGE.check(maximumRecordAgeInSeconds);
        MAXIMUM_RETRY_ATTEMPTS.check(maximumRetryAttempts);
        MAX_BUFFERED_RECORDS.check(maxBufferedRecordsPerShard);
        MAX_BUFFERED_MEGABYTES.check(maxBufferedMegabytesPerShard);
        IDLE_POLL_INTERVAL.check(idlePollInterval);
        SHARD_SYNC_INTERVAL.check(shardSyncInterval);
        CHECKPOINT_INTERVAL.check(checkpointInterval);
        FAILOVER_TIME.check(failoverTime);
        MAX_LEASES_TO_STEAL.check(maxLeasesToStealAtOneTime);
        MAXIMUM_CONCURRENCY.check(maximumConcurrency);
        GRACEFUL_HANDOFF_TIMEOUT.check(gracefulHandoffTimeout);
    }

    /** A builder that starts from these settings, for settings that differ from them in a few values. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.batchSize = batchSize;
        builder.maximumBatchingWindow = maximumBatchingWindow;
        builder.parallelizationFactor = parallelizationFactor;
        builder.startingPosition = startingPosition;
        builder.startingPositionTimestamp = startingPositionTimestamp;
        builder.bisectBatchOnFunctionError = bisectBatchOnFunctionError;
        builder.maximumRecordAgeInSeconds = maximumRecordAgeInSeconds;
        builder.maximumRetryAttempts = maximumRetryAttempts;
        builder.reportBatchItemFailures = reportBatchItemFailures;
        builder.bisectConsumesRetryQuota = bisectConsumesRetryQuota;
        builder.functionArn = functionArn;
        builder.retryBackoffInitial = retryBackoffInitial;
        builder.retryBackoffMax = retryBackoffMax;
        builder.maxBufferedRecordsPerShard = maxBufferedRecordsPerShard;
        builder.maxBufferedMegabytesPerShard = maxBufferedMegabytesPerShard;
        builder.idlePollInterval = idlePollInterval;
        builder.shardSyncInterval = shardSyncInterval;
        builder.tumblingWindowInSeconds = tumblingWindowInSeconds;
        builder.checkpointInterval = checkpointInterval;
        builder.failoverTime = failoverTime;
        builder.maxLeasesToStealAtOneTime = maxLeasesToStealAtOneTime;
        builder.maximumConcurrency = maximumConcurrency;
        builder.gracefulHandoffTimeout = gracefulHandoffTimeout;
        builder.handlerThreads = handlerThreads;
        return builder;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding Lambda's defaults; only the starting position is required. */
    public static final class Builder {
        private int batchSize = BATCH_SIZE.defaultValue();
        private Duration maximumBatchingWindow = MAXIMUM_BATCHING_WINDOW.defaultValue();
        private int parallelizationFactor = PARALLELIZATION_FACTOR.defaultValue();
        private @Nullable StartingPosition startingPosition;
        private @Nullable Instant startingPositionTimestamp;
        private boolean bisectBatchOnFunctionError;
        private int maximumRecordAgeInSeconds = MAXIMUM_RECORD_AGE.defaultValue();
        private int maximumRetryAttempts = MAXIMUM_RETRY_ATTEMPTS.defaultValue();
        private boolean reportBatchItemFailures;
        private boolean bisectConsumesRetryQuota;
        private @Nullable String functionArn;
        private Duration retryBackoffInitial = RETRY_BACKOFF_INITIAL.defaultValue();
        private Duration retryBackoffMax = RETRY_BACKOFF_MAX.defaultValue();
        private int maxBufferedRecordsPerShard = MAX_BUFFERED_RECORDS.defaultValue();
        private int maxBufferedMegabytesPerShard = MAX_BUFFERED_MEGABYTES.defaultValue();
        private Duration idlePollInterval = IDLE_POLL_INTERVAL.defaultValue();
        private Duration shardSyncInterval = SHARD_SYNC_INTERVAL.defaultValue();
        private int tumblingWindowInSeconds = TUMBLING_WINDOW.defaultValue();
        private Duration checkpointInterval = CHECKPOINT_INTERVAL.defaultValue();
        private Duration failoverTime = FAILOVER_TIME.defaultValue();
        private int maxLeasesToStealAtOneTime = MAX_LEASES_TO_STEAL.defaultValue();
        private int maximumConcurrency = MAXIMUM_CONCURRENCY.defaultValue();
        private Duration gracefulHandoffTimeout = GRACEFUL_HANDOFF_TIMEOUT.defaultValue();
        private HandlerThreads handlerThreads = HandlerThreads.VIRTUAL;

        private Builder() {}

        public Builder batchSize(int value) {
            this.batchSize = value;
            return this;
        }

        public Builder maximumBatchingWindow(Duration value) {
            this.maximumBatchingWindow = value;
            return this;
        }

        public Builder maximumBatchingWindowInSeconds(int seconds) {
            return maximumBatchingWindow(Duration.ofSeconds(seconds));
        }

        public Builder parallelizationFactor(int value) {
            this.parallelizationFactor = value;
            return this;
        }

        public Builder startingPosition(StartingPosition value) {
            this.startingPosition = value;
            return this;
        }

        /** AT_TIMESTAMP with its timestamp. */
        public Builder startingPositionAtTimestamp(Instant timestamp) {
            this.startingPosition = StartingPosition.AT_TIMESTAMP;
            this.startingPositionTimestamp = timestamp;
            return this;
        }

        /** Only with AT_TIMESTAMP; null (the default) for the other starting positions. */
        public Builder startingPositionTimestamp(@Nullable Instant value) {
            this.startingPositionTimestamp = value;
            return this;
        }

        public Builder bisectBatchOnFunctionError(boolean value) {
            this.bisectBatchOnFunctionError = value;
            return this;
        }

        public Builder maximumRecordAgeInSeconds(int value) {
            this.maximumRecordAgeInSeconds = value;
            return this;
        }

        public Builder maximumRetryAttempts(int value) {
            this.maximumRetryAttempts = value;
            return this;
        }

        /** FunctionResponseTypes = [ReportBatchItemFailures]. */
        public Builder reportBatchItemFailures(boolean value) {
            this.reportBatchItemFailures = value;
            return this;
        }

        public Builder bisectConsumesRetryQuota(boolean value) {
            this.bisectConsumesRetryQuota = value;
            return this;
        }

        /** Null (the default) derives one from the mapping's name. */
        public Builder functionArn(@Nullable String value) {
            this.functionArn = value;
            return this;
        }

        public Builder retryBackoff(Duration initial, Duration max) {
            this.retryBackoffInitial = initial;
            this.retryBackoffMax = max;
            return this;
        }

        public Builder maxBufferedRecordsPerShard(int value) {
            this.maxBufferedRecordsPerShard = value;
            return this;
        }

        public Builder maxBufferedMegabytesPerShard(int value) {
            this.maxBufferedMegabytesPerShard = value;
            return this;
        }

        public Builder idlePollInterval(Duration value) {
            this.idlePollInterval = value;
            return this;
        }

        public Builder shardSyncInterval(Duration value) {
            this.shardSyncInterval = value;
            return this;
        }

        public Builder tumblingWindowInSeconds(int value) {
            this.tumblingWindowInSeconds = value;
            return this;
        }

        public Builder checkpointInterval(Duration value) {
            this.checkpointInterval = value;
            return this;
        }

        public Builder failoverTime(Duration value) {
            this.failoverTime = value;
            return this;
        }

        public Builder maxLeasesToStealAtOneTime(int value) {
            this.maxLeasesToStealAtOneTime = value;
            return this;
        }

        /** -1 (the default): no mapping-wide cap. */
        public Builder maximumConcurrency(int value) {
            this.maximumConcurrency = value;
            return this;
        }

        public Builder gracefulHandoffTimeout(Duration value) {
            this.gracefulHandoffTimeout = value;
            return this;
        }

        /** {@link HandlerThreads#VIRTUAL} by default. */
        public Builder handlerThreads(HandlerThreads value) {
            this.handlerThreads = value;
            return this;
        }

        /** Validates every value, in the constructor; the first one out of range is reported. */
        @SuppressWarnings("NullAway") // a missing StartingPosition is what the constructor rejects, by name
        public StreamSettings build() {
            return new StreamSettings(batchSize, maximumBatchingWindow, parallelizationFactor, startingPosition,
                    startingPositionTimestamp, bisectBatchOnFunctionError, maximumRecordAgeInSeconds,
                    maximumRetryAttempts, reportBatchItemFailures, bisectConsumesRetryQuota, functionArn,
                    retryBackoffInitial, retryBackoffMax, maxBufferedRecordsPerShard, maxBufferedMegabytesPerShard,
                    idlePollInterval, shardSyncInterval, tumblingWindowInSeconds, checkpointInterval, failoverTime,
                    maxLeasesToStealAtOneTime, maximumConcurrency, gracefulHandoffTimeout, handlerThreads);
        }
    }

    static void checkHandlerThreads(HandlerThreads value) {
        if (value == null) {
            throw new InvalidSettingException(HANDLER_THREADS.name(), "null", "one of " + HANDLER_THREADS.range());
        }
    }

    static void checkRetryBackoff(Duration initial, Duration max) {
        RETRY_BACKOFF_INITIAL.check(initial);
        RETRY_BACKOFF_MAX.check(max);
        if (max.compareTo(initial) < 0) {
            throw new InvalidSettingException(RETRY_BACKOFF_MAX.name(), Setting.words(max),
                    "at least RetryBackoffInitial (" + Setting.words(initial) + ")");
        }
    }

    /**
     * How often a worker lists the leases: {@code min(FailoverTime / 2, ShardSyncInterval)}. Often enough to take a
     * lease soon after it expires or is released, and to balance as the shard list changes. It is also how late an
     * owner may notice that another worker asked for one of its leases (a renewal may show the request sooner), so an
     * owner asked for a lease has GracefulHandoffTimeout less this to hand it over.
     */
    public Duration leaseListingInterval() {
        Duration half = failoverTime.dividedBy(2);
        return half.compareTo(shardSyncInterval) < 0 ? half : shardSyncInterval;
    }

    /** The on-failure record's functionArn: the setting, or one derived from the mapping's name. */
    public String functionArnFor(String mappingName) {
        return Objects.requireNonNullElse(functionArn, "arn:aws:lambda:local:000000000000:function:" + mappingName);
    }

    public boolean retriesUnlimited() {
        return maximumRetryAttempts == -1;
    }

    public boolean recordAgeUnlimited() {
        return maximumRecordAgeInSeconds == -1;
    }

    /** Whether MaximumConcurrency caps the mapping's invocations in flight. */
    public boolean concurrencyCapped() {
        return maximumConcurrency != -1;
    }

    public boolean tumblingWindows() {
        return tumblingWindowInSeconds > 0;
    }

    public long maxBufferedBytesPerShard() {
        return maxBufferedMegabytesPerShard * 1024L * 1024L;
    }
}

package io.esm4j.settings;

import io.esm4j.settings.Setting.DurationSetting;
import io.esm4j.settings.Setting.IntSetting;
import java.time.Duration;
import java.util.List;

/**
 * The settings of a queue mapping (SQS), with Lambda's names, ranges and defaults (docs/lambda-semantics.md §1, §2.4).
 * Every instance is valid: the constructor, and so {@link Builder#build()}, rejects an out-of-range value with an
 * {@link InvalidSettingException}. Rules that depend on the queue (FIFO: BatchSize at most 10, no batching window)
 * are checked when the mapping is built.
 */
public record QueueSettings(
        int batchSize,
        Duration maximumBatchingWindow,
        boolean reportBatchItemFailures,
        int maximumConcurrency,
        Duration receiveWaitTime,
        Duration idlePollInterval,
        Duration visibilityExtensionLimit,
        Duration retryBackoffInitial,
        Duration retryBackoffMax,
        HandlerThreads handlerThreads) {

    /** FIFO queues take at most this many messages per batch. */
    public static final int FIFO_MAX_BATCH_SIZE = 10;

    public static final IntSetting BATCH_SIZE = new IntSetting("BatchSize", 1, 10_000, null, 10,
            "Most messages in one invocation (FIFO: at most 10). Above 10 a batching window is required. A batch "
                    + "also ends at the 6 MB payload cap.");
    public static final DurationSetting MAXIMUM_BATCHING_WINDOW = new DurationSetting("MaximumBatchingWindowInSeconds",
            Duration.ZERO, Duration.ofSeconds(300), Duration.ZERO,
            "How long a poller gathers messages from several receives before invoking; whole seconds, as in "
                    + "Lambda. Not allowed for FIFO.");
    public static final Setting FUNCTION_RESPONSE_TYPES = new Setting.Described("FunctionResponseTypes",
            "none, ReportBatchItemFailures", "none",
            "With ReportBatchItemFailures only the messages the handler names stay in the queue; the rest are "
                    + "deleted. FIFO: the first failed message of a group and all later ones of that group stay.");
    public static final IntSetting MAXIMUM_CONCURRENCY = new IntSetting("MaximumConcurrency", 2, 1_000, null, 5,
            "ScalingConfig: pollers, and so batches in flight, across the mapping. esm4j: the default of 5 is ours, "
                    + "and fixed; Lambda has no default and, unset, scales from 5 up to 1,250 batches while "
                    + "messages wait.");
    public static final DurationSetting RECEIVE_WAIT_TIME = new DurationSetting("ReceiveWaitTime", Duration.ZERO,
            Duration.ofSeconds(20), Duration.ofSeconds(20),
            "esm4j: the long-poll wait of each receive when no message is available.");
    public static final DurationSetting IDLE_POLL_INTERVAL = new DurationSetting("IdlePollInterval", Duration.ZERO,
            Duration.ofSeconds(10), Duration.ofSeconds(1),
            "esm4j: after a receive that returned no message, the least time from its start to the same poller's "
                    + "next receive (a long poll has waited already), also inside a batching window; with a short "
                    + "ReceiveWaitTime it keeps an idle queue from being polled in a loop.");
    public static final DurationSetting VISIBILITY_EXTENSION_LIMIT = new DurationSetting("VisibilityExtensionLimit",
            Duration.ZERO, Duration.ofHours(12), Duration.ofMinutes(15),
            "esm4j: while a handler runs past half the visibility timeout, the messages' visibility is extended "
                    + "(heartbeat), up to this long after they were received; 0 turns the heartbeat off.");

    /** Every queue setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(BATCH_SIZE, MAXIMUM_BATCHING_WINDOW, FUNCTION_RESPONSE_TYPES,
            MAXIMUM_CONCURRENCY, RECEIVE_WAIT_TIME, IDLE_POLL_INTERVAL, VISIBILITY_EXTENSION_LIMIT,
            StreamSettings.RETRY_BACKOFF_INITIAL, StreamSettings.RETRY_BACKOFF_MAX, StreamSettings.HANDLER_THREADS,
            StreamSettings.FILTER_CRITERIA);

    /**
     * Every check that does not depend on the queue lives here rather than in the builder, because the canonical
     * constructor of a public record is public: no instance can skip them.
     */
    public QueueSettings {
        BATCH_SIZE.check(batchSize);
        MAXIMUM_BATCHING_WINDOW.check(maximumBatchingWindow);
        if (maximumBatchingWindow.getNano() != 0) {
            throw new InvalidSettingException(MAXIMUM_BATCHING_WINDOW.name(), Setting.words(maximumBatchingWindow),
                    "a whole number of seconds from 0 to 300, as in Lambda");
        }
        if (batchSize > 10 && maximumBatchingWindow.isZero()) {
            throw new InvalidSettingException(MAXIMUM_BATCHING_WINDOW.name(), "0 s",
                    "a window above 0 when BatchSize is above 10 (BatchSize is " + batchSize + ")");
        }
        StreamSettings.checkRetryBackoff(retryBackoffInitial, retryBackoffMax);
        MAXIMUM_CONCURRENCY.check(maximumConcurrency);
        RECEIVE_WAIT_TIME.check(receiveWaitTime);
        IDLE_POLL_INTERVAL.check(idlePollInterval);
        VISIBILITY_EXTENSION_LIMIT.check(visibilityExtensionLimit);
        StreamSettings.checkHandlerThreads(handlerThreads);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Lambda's defaults, except MaximumConcurrency, which Lambda leaves unset (it then scales up to 1,250 batches):
     * esm4j runs a fixed 5 pollers unless told otherwise.
     */
    public static QueueSettings defaults() {
        return builder().build();
    }

    public static final class Builder {
        private int batchSize = BATCH_SIZE.defaultValue();
        private Duration maximumBatchingWindow = MAXIMUM_BATCHING_WINDOW.defaultValue();
        private boolean reportBatchItemFailures;
        private int maximumConcurrency = MAXIMUM_CONCURRENCY.defaultValue();
        private Duration receiveWaitTime = RECEIVE_WAIT_TIME.defaultValue();
        private Duration idlePollInterval = IDLE_POLL_INTERVAL.defaultValue();
        private Duration visibilityExtensionLimit = VISIBILITY_EXTENSION_LIMIT.defaultValue();
        private Duration retryBackoffInitial = StreamSettings.RETRY_BACKOFF_INITIAL.defaultValue();
        private Duration retryBackoffMax = StreamSettings.RETRY_BACKOFF_MAX.defaultValue();
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

        public Builder reportBatchItemFailures(boolean value) {
            this.reportBatchItemFailures = value;
            return this;
        }

        public Builder maximumConcurrency(int value) {
            this.maximumConcurrency = value;
            return this;
        }

        public Builder receiveWaitTime(Duration value) {
            this.receiveWaitTime = value;
            return this;
        }

        public Builder idlePollInterval(Duration value) {
            this.idlePollInterval = value;
            return this;
        }

        public Builder visibilityExtensionLimit(Duration value) {
            this.visibilityExtensionLimit = value;
            return this;
        }

        public Builder retryBackoff(Duration initial, Duration max) {
            this.retryBackoffInitial = initial;
            this.retryBackoffMax = max;
            return this;
        }

        /** {@link HandlerThreads#VIRTUAL} by default. */
        public Builder handlerThreads(HandlerThreads value) {
            this.handlerThreads = value;
            return this;
        }

        /** Validates every value, in the constructor; the first one out of range is reported. */
        public QueueSettings build() {
            return new QueueSettings(batchSize, maximumBatchingWindow, reportBatchItemFailures, maximumConcurrency,
                    receiveWaitTime, idlePollInterval, visibilityExtensionLimit, retryBackoffInitial, retryBackoffMax,
                    handlerThreads);
        }
    }

    /** The checks that need to know whether the queue is FIFO (docs/lambda-semantics.md §1.1). */
    public void checkFor(boolean fifoQueue) {
        if (!fifoQueue) {
            return;
        }
        if (batchSize > FIFO_MAX_BATCH_SIZE) {
            throw new InvalidSettingException(BATCH_SIZE.name(), batchSize,
                    "an integer from 1 to 10 for a FIFO queue");
        }
        if (!maximumBatchingWindow.isZero()) {
            throw new InvalidSettingException(MAXIMUM_BATCHING_WINDOW.name(), Setting.words(maximumBatchingWindow),
                    "0 s: a FIFO queue does not support a batching window");
        }
    }
}

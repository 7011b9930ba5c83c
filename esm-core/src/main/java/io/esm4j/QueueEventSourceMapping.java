package io.esm4j;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchHandler;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.queue.QueueContext;
import io.esm4j.internal.queue.QueueEngine;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.queue.QueueMessage;
import io.esm4j.queue.QueueSource;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.QueueSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An event source mapping over a queue (SQS, or any {@link QueueSource}): pollers receive batches, invoke the
 * handler and delete what succeeded; failed messages come back after their visibility timeout, and the queue's
 * redrive policy moves them to its DLQ.
 *
 * <pre>{@code
 * QueueEventSourceMapping<Message> mapping = QueueEventSourceMapping.builder("orders", queue, handler)
 *         .settings(QueueSettings.builder().batchSize(10).reportBatchItemFailures(true).build())
 *         .build();
 * mapping.start();
 * }</pre>
 */
public final class QueueEventSourceMapping<T> extends MappingLifecycle<QueueStopResult> {

    private final QueueEngine<T> engine;

    private QueueEventSourceMapping(String name, MappingStatus status, QueueEngine<T> engine, EngineMetrics metrics) {
        super(name, status, metrics);
        this.engine = engine;
    }

    public static <T> Builder<T> builder(String name, QueueSource<T> source, BatchHandler<QueueMessage<T>> handler) {
        return new Builder<>(name, source, handler);
    }

    @Override
    void startEngine() {
        engine.start();
    }

    @Override
    QueueStopResult stopEngine(Duration timeout) throws InterruptedException {
        return engine.stop(timeout);
    }

    @Override
    QueueStopResult notStartedResult() {
        return new QueueStopResult(true, 0);
    }

    public static final class Builder<T> {
        private final String name;
        private final QueueSource<T> source;
        private final BatchHandler<QueueMessage<T>> handler;
        private QueueSettings settings = QueueSettings.defaults();
        private FilterCriteria filterCriteria = FilterCriteria.none();
        private @Nullable Idempotency<QueueMessage<T>> idempotency;
        private @Nullable Function<QueueMessage<T>, @Nullable String> orderingKey;
        private @Nullable Function<QueueMessage<T>, @Nullable Duration> failedMessageVisibility;
        private MeterRegistry meterRegistry = new SimpleMeterRegistry();
        private Clock clock = Clock.systemUTC();

        private Builder(String name, QueueSource<T> source, BatchHandler<QueueMessage<T>> handler) {
            this.name = name;
            this.source = Objects.requireNonNull(source, "source");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        public Builder<T> settings(QueueSettings settings) {
            if (settings == null) {
                throw new InvalidSettingException("settings", "null",
                        "QueueSettings; QueueSettings.defaults() for Lambda's defaults");
            }
            this.settings = settings;
            return this;
        }

        /** FilterCriteria: messages that match no pattern are deleted without invoking the handler. */
        public Builder<T> filterCriteria(FilterCriteria filterCriteria) {
            this.filterCriteria = Objects.requireNonNull(filterCriteria, "filterCriteria");
            return this;
        }

        /**
         * Deduplication: messages whose key is already COMPLETED in the store are deleted without invoking the
         * handler. The natural id is the message id; a JSON pointer into the body catches a producer's duplicates.
         * Null (the default) turns deduplication off.
         */
        public Builder<T> idempotency(@Nullable Idempotency<QueueMessage<T>> idempotency) {
            this.idempotency = idempotency;
            return this;
        }

        /**
         * esm4j's per-key lane mode for standard queues: messages with the same key (e.g. a customer id in a message
         * attribute) are never handled by two pollers at once, and a key's messages are handled in receive order. A
         * message whose key another poller holds waits in this process and that poller handles it next; only when
         * MaximumConcurrency × BatchSize messages wait already does it return to the queue for a second, a receive
         * the queue's redrive policy counts. A null key means the message has no key: it is handled at once, by any
         * poller. A message on which the function throws is not handled: it returns to the queue like a failed
         * message, and the poller shows the problem and restarts. Not for FIFO queues, which keep their message
         * groups in order already: {@link #build()} refuses it there.
         */
        public Builder<T> orderingKey(Function<QueueMessage<T>, @Nullable String> orderingKey) {
            this.orderingKey = Objects.requireNonNull(orderingKey, "orderingKey");
            return this;
        }

        /**
         * esm4j's immediate-retry option: after a failed invocation, each failed message becomes visible again after
         * the delay this function gives (0: at once; null: leave it to its visibility timeout), e.g. a backoff on its
         * receive count, instead of waiting out the rest of the visibility timeout. The queue's redrive policy still
         * counts every receive. A message on which the function throws, or gives a delay outside 0 s to 12 h, waits
         * out its visibility timeout; the poller shows the problem and restarts.
         */
        public Builder<T> failedMessageVisibility(
                Function<QueueMessage<T>, @Nullable Duration> failedMessageVisibility) {
            this.failedMessageVisibility = Objects.requireNonNull(failedMessageVisibility, "failedMessageVisibility");
            return this;
        }

        public Builder<T> meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        public Builder<T> clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public QueueEventSourceMapping<T> build() {
            BuildChecks.name(name);
            settings.checkFor(source.fifo());
            if (orderingKey != null && source.fifo()) {
                // The source's class names the queue: reading its ARN may call the service.
                throw new InvalidSettingException("orderingKey", "a key function", "none on a FIFO queue ("
                        + source.getClass().getSimpleName() + "): its message groups are kept in order already; "
                        + "per-key lanes are for standard queues");
            }
            FilterCriteria criteria = BuildChecks.filter(filterCriteria, source.filterableKeys(), source);
            Predicate<QueueMessage<T>> filter = criteria.isEmpty() ? message -> true
                    : message -> criteria.matches(source.filterDocument(message));
            MappingStatus status = new MappingStatus();
            EngineMetrics metrics = new EngineMetrics(meterRegistry, name, EngineMetrics.Kind.QUEUE);
            Invoker<QueueMessage<T>> invoker = new Invoker<>(name, handler,
                    BuildChecks.deduplicator(idempotency, meterRegistry, name, clock, metrics), QueueMessage::messageId,
                    QueueMessage::messageId, settings.reportBatchItemFailures(),
                    source.fifo() ? new RetryScope.FailedAndLaterInGroup<>(QueueMessage::messageGroupId)
                            : new RetryScope.FailedOnly<>(), metrics, status);
            QueueContext<T> ctx = new QueueContext<>(name, settings, source, handler, filter, invoker, orderingKey,
                    failedMessageVisibility, metrics, clock,
                    new RetryBackoff(settings.retryBackoffInitial(), settings.retryBackoffMax()), status);
            return new QueueEventSourceMapping<>(name, status, new QueueEngine<>(ctx), metrics);
        }
    }
}

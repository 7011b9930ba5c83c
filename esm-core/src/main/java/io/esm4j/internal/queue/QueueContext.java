package io.esm4j.internal.queue;

import io.esm4j.handler.BatchHandler;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.queue.QueueMessage;
import io.esm4j.queue.QueueSource;
import io.esm4j.settings.QueueSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;

/** What every poller of one queue mapping shares. */
public record QueueContext<T>(
        String mappingName,
        QueueSettings settings,
        QueueSource<T> source,
        BatchHandler<QueueMessage<T>> handler,
        Predicate<QueueMessage<T>> filter,
        Invoker<QueueMessage<T>> invoker,
        Function<QueueMessage<T>, String> orderingKey,
        Function<QueueMessage<T>, Duration> failedMessageVisibility,
        EngineMetrics metrics,
        Clock clock,
        RetryBackoff backoff,
        MappingStatus status) {}

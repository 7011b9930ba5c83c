package io.esm4j.internal.stream;

import io.esm4j.failure.FailureDestination;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.lease.LeaseStore;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.time.Clock;

/**
 * What every part of one stream mapping shares. {@code concurrency} is null without MaximumConcurrency
 * ({@link ConcurrencyLimit#of}).
 */
public record StreamContext<T>(
        String mappingName,
        String workerId,
        StreamSettings settings,
        StreamSource<T> source,
        RecordFilter<T> filter,
        LeaseStore leases,
        FailureDestination destination,
        Invoker<StreamRecord<T>> invoker,
        EngineMetrics metrics,
        Clock clock,
        RetryBackoff backoff,
        MappingStatus status,
        ConcurrencyLimit concurrency) {}

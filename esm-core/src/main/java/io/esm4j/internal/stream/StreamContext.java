package io.esm4j.internal.stream;

import io.esm4j.checkpoint.CheckpointStore;
import io.esm4j.failure.FailureDestination;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchHandler;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.time.Clock;

/** What every shard worker of one mapping shares. */
public record StreamContext<T>(
        String mappingName,
        StreamSettings settings,
        StreamSource<T> source,
        BatchHandler<StreamRecord<T>> handler,
        FilterCriteria filter,
        CheckpointStore checkpoints,
        FailureDestination destination,
        Invoker<StreamRecord<T>> invoker,
        EngineMetrics metrics,
        Clock clock,
        RetryBackoff backoff,
        MappingStatus status) {}

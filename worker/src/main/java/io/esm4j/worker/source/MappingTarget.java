package io.esm4j.worker.source;

import io.esm4j.handler.BatchHandler;
import io.esm4j.worker.invoke.Invoker;
import io.esm4j.worker.invoke.TargetLimits;

/**
 * Where a mapping's batches go: the invoker, the function's shared limits, and the function ARN written into
 * failure records.
 */
public record MappingTarget(Invoker invoker, TargetLimits limits, String functionArn) {

    /** The handler with the function's timeout and concurrency limit around it. */
    public <R> BatchHandler<R> limited(BatchHandler<R> handler) {
        return limits.wrap(handler);
    }
}

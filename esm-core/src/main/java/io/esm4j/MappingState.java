package io.esm4j;

/** The lifecycle of a mapping, with Lambda's state names (docs/lambda-semantics.md §6.2). */
public enum MappingState {
    /** Built, not started. */
    CREATING,
    /** {@code start()} was called; shards are being listed. */
    ENABLING,
    /** Polling and invoking. */
    ENABLED,
    /** {@code stop()} was called; in-flight batches are draining. */
    DISABLING,
    /** Stopped; final checkpoints are written. */
    DISABLED
}

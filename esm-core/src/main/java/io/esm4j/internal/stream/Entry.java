package io.esm4j.internal.stream;

import io.esm4j.stream.StreamRecord;

/**
 * A record in flight in a shard pipeline: its read-order number and how many invocations it has been part of.
 *
 * <p>One is allocated per record read, so its fields are kept to what fits a 32-byte object (with compressed class
 * pointers): the record's size is read through {@link #record} rather than copied.
 */
final class Entry<T> {

    final long ordinal;
    final StreamRecord<T> record;
    /** Touched only by the lane that owns the record. */
    int invokeCount;
    /**
     * True while the filter criteria could not be evaluated on the record (the source's filter document or the
     * filter threw): the lane evaluates it again before each invocation and fails the batch while it keeps failing,
     * so such a record is retried, bisected and given up like one the handler keeps failing.
     */
    boolean filterPending;

    Entry(long ordinal, StreamRecord<T> record) {
        this.ordinal = ordinal;
        this.record = record;
    }
}

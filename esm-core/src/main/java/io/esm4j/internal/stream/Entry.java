package io.esm4j.internal.stream;

import io.esm4j.stream.StreamRecord;

/** A record in flight in a shard pipeline: its read-order number and how many invocations it has been part of. */
final class Entry<T> {

    final long ordinal;
    final StreamRecord<T> record;
    /** Copied from the record: read on every batch formed and every completion. */
    final int sizeBytes;
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
        this.sizeBytes = record.sizeBytes();
    }
}

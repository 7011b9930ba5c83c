package io.esm4j.internal.stream;

import io.esm4j.stream.StreamRecord;

/** A record in flight in a shard worker: its read-order number and how many invocations it has been part of. */
final class Entry<T> {

    final long ordinal;
    final StreamRecord<T> record;
    /** Copied from the record: read on every batch formed and every completion. */
    final int sizeBytes;
    /** Touched only by the lane that owns the record. */
    int invokeCount;

    Entry(long ordinal, StreamRecord<T> record) {
        this.ordinal = ordinal;
        this.record = record;
        this.sizeBytes = record.sizeBytes();
    }
}

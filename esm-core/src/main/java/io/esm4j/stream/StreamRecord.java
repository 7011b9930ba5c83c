package io.esm4j.stream;

import io.esm4j.failure.FailureCondition;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One record read from a shard, as the engine sees it: the metadata it needs for ordering, batching, age and
 * checkpointing, plus the source's own payload that reaches the handler unchanged. Immutable; equal when every
 * field is equal, an array payload (the in-memory stream's bytes) by its contents.
 *
 * <p>A class rather than a record so that a source whose positions are numbers (Kafka offsets) can leave the
 * sequence number's text unmade until someone asks for it ({@link #numbered}): the engine needs it only for the last
 * record of a checkpoint, a failure record or a log line, and making it for every record read cost a Kafka mapping a
 * tenth of its intake thread.
 *
 * @param <T> the source's payload type
 */
public final class StreamRecord<T> {

    private final String shardId;
    /** The sequence number's text; for a {@link #numbered} record made on first use (a benign race: it is a String). */
    private @Nullable String sequenceNumber;
    private final long numericSequenceNumber;
    private final @Nullable String partitionKey;
    private final Instant approximateArrivalTimestamp;
    private final int sizeBytes;
    /** What the payload holds in memory beyond {@link #sizeBytes}, for the memory bounds only ({@link #holding}). */
    private final int extraHeldBytes;
    private final T payload;
    private final @Nullable FailureCondition rejection;

    /**
     * @param shardId                     the shard the record was read from
     * @param sequenceNumber              the record's position in its shard; also its id for ReportBatchItemFailures
     * @param partitionKey                the key that decides ordering when ParallelizationFactor &gt; 1; null for a
     *                                    record without one (a Kafka record without a key): such records share one
     *                                    lane, in shard order
     * @param approximateArrivalTimestamp when the record arrived in the stream; drives MaximumRecordAge and IteratorAge
     * @param sizeBytes                   payload size counted against the 6 MB invocation cap and the memory bounds
     *                                    (which also count what {@link #holding} adds)
     * @param payload                     the source's record, handed to the handler as is
     */
    public StreamRecord(String shardId, String sequenceNumber, @Nullable String partitionKey,
                        Instant approximateArrivalTimestamp, int sizeBytes, T payload) {
        this(shardId, Objects.requireNonNull(sequenceNumber, "sequenceNumber"), -1, partitionKey,
                approximateArrivalTimestamp, sizeBytes, 0, payload, null);
    }

    private StreamRecord(String shardId, @Nullable String sequenceNumber, long numericSequenceNumber,
                         @Nullable String partitionKey, Instant approximateArrivalTimestamp, int sizeBytes,
                         int extraHeldBytes, T payload, @Nullable FailureCondition rejection) {
        this.shardId = Objects.requireNonNull(shardId, "shardId");
        this.sequenceNumber = sequenceNumber;
        this.numericSequenceNumber = numericSequenceNumber;
        this.partitionKey = partitionKey;
        this.approximateArrivalTimestamp = Objects.requireNonNull(approximateArrivalTimestamp,
                "approximateArrivalTimestamp");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes must be >= 0 but was " + sizeBytes);
        }
        this.sizeBytes = sizeBytes;
        this.extraHeldBytes = extraHeldBytes;
        this.payload = payload;
        this.rejection = rejection;
    }

    /**
     * A record whose sequence number is a number (a Kafka offset): {@link #sequenceNumber()} is its decimal text,
     * made only when first asked for.
     *
     * @param sequenceNumber the record's position in its shard, at least 0
     */
    public static <T> StreamRecord<T> numbered(String shardId, long sequenceNumber, @Nullable String partitionKey,
                                               Instant approximateArrivalTimestamp, int sizeBytes, T payload) {
        if (sequenceNumber < 0) {
            throw new IllegalArgumentException("sequenceNumber must be >= 0 but was " + sequenceNumber);
        }
        return new StreamRecord<>(shardId, null, sequenceNumber, partitionKey, approximateArrivalTimestamp,
                sizeBytes, 0, payload, null);
    }

    /**
     * This record, rejected by its source when it was read: the source could read it but cannot make it into what a
     * handler gets (a Kafka record whose schema the registry does not have, or that does not decode with it). The
     * engine never invokes a rejected record and the filter criteria never see it: it is given up with this condition,
     * to the on-failure destination or dropped and counted without one, and then counts as done.
     */
    public StreamRecord<T> rejected(FailureCondition condition) {
        return new StreamRecord<>(shardId, sequenceNumber, numericSequenceNumber, partitionKey,
                approximateArrivalTimestamp, sizeBytes, extraHeldBytes, payload,
                Objects.requireNonNull(condition, "condition"));
    }

    /**
     * This record, its payload holding {@code extraBytes} in memory that its event does not carry (a Kafka record's
     * value decoded for the filter criteria beside its bytes). The memory bounds (MaxBufferedMegabytesPerShard) count
     * them ({@link #heldBytes()}); the 6 MB invocation cap does not, as the event does not contain them.
     *
     * @param extraBytes at least 0
     */
    public StreamRecord<T> holding(int extraBytes) {
        if (extraBytes < 0) {
            throw new IllegalArgumentException("extraBytes must be >= 0 but was " + extraBytes);
        }
        return new StreamRecord<>(shardId, sequenceNumber, numericSequenceNumber, partitionKey,
                approximateArrivalTimestamp, sizeBytes, extraBytes, payload, rejection);
    }

    /** Why the source {@link #rejected} the record, or null for a record to deliver. */
    public @Nullable FailureCondition rejection() {
        return rejection;
    }

    /** The shard the record was read from. */
    public String shardId() {
        return shardId;
    }

    /** The record's position in its shard; also its id for ReportBatchItemFailures. */
    public String sequenceNumber() {
        String text = sequenceNumber;
        if (text == null) {
            text = Long.toString(numericSequenceNumber);
            sequenceNumber = text;
        }
        return text;
    }

    /**
     * The number a {@link #numbered} record was made with; -1 for a record given its sequence number as text (Kinesis
     * and DynamoDB Streams sequence numbers are longer than a {@code long}). Lets the engine keep a position without
     * making its text, or keeping the record.
     */
    public long sequenceNumberValue() {
        return numericSequenceNumber;
    }

    /** The key that decides ordering when ParallelizationFactor &gt; 1; null for a record without one. */
    public @Nullable String partitionKey() {
        return partitionKey;
    }

    /** When the record arrived in the stream; drives MaximumRecordAge and IteratorAge. */
    public Instant approximateArrivalTimestamp() {
        return approximateArrivalTimestamp;
    }

    /** Payload size counted against the 6 MB invocation cap and the memory bounds. */
    public int sizeBytes() {
        return sizeBytes;
    }

    /**
     * What the record holds in memory as the memory bounds count it: {@link #sizeBytes()} plus what its payload holds
     * beyond its event ({@link #holding}).
     */
    public long heldBytes() {
        return (long) sizeBytes + extraHeldBytes;
    }

    /** The source's record, handed to the handler as is. */
    public T payload() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamRecord<?> other
                && sizeBytes == other.sizeBytes
                && extraHeldBytes == other.extraHeldBytes
                && shardId.equals(other.shardId)
                && sequenceNumber().equals(other.sequenceNumber())
                && Objects.equals(partitionKey, other.partitionKey)
                && approximateArrivalTimestamp.equals(other.approximateArrivalTimestamp)
                && Objects.deepEquals(payload, other.payload)
                && rejection == other.rejection;
    }

    @Override
    public int hashCode() {
        return Objects.hash(shardId, sequenceNumber(), partitionKey, approximateArrivalTimestamp, sizeBytes,
                extraHeldBytes, Arrays.deepHashCode(new Object[] {payload}), rejection);
    }

    @Override
    public String toString() {
        return "StreamRecord[shardId=" + shardId + ", sequenceNumber=" + sequenceNumber() + ", partitionKey="
                + partitionKey + ", approximateArrivalTimestamp=" + approximateArrivalTimestamp + ", sizeBytes="
                + sizeBytes + (extraHeldBytes == 0 ? "" : ", extraHeldBytes=" + extraHeldBytes) + ", payload="
                + payload + (rejection == null ? "" : ", rejection=" + rejection) + "]";
    }
}

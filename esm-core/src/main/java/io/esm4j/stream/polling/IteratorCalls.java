package io.esm4j.stream.polling;

import io.esm4j.stream.ReadStart;
import io.esm4j.stream.StreamRecord;

/**
 * The service calls of one shard that an {@link IteratorShardReader} drives: the source's part of reading a shard
 * through GetShardIterator and GetRecords (Kinesis Data Streams, DynamoDB Streams). An implementation makes the
 * calls and converts what they return; retries, pacing, expiry, throttling and buffering are the reader's.
 *
 * <p>Calls come from the one thread that reads the shard. Exceptions are thrown as the client threw them; the reader
 * asks {@link #classify} what each one means.
 *
 * @param <T> the payload type of the records
 */
public interface IteratorCalls<T> {

    /**
     * GetShardIterator at {@code start}. The reader asks for the engine's starting position first, later for
     * {@code AfterSequenceNumber} of the last record it handed out, for TRIM_HORIZON after
     * {@link CallFailure#POSITION_TRIMMED}, and for {@code AtTimestamp} of the time it opened when it started at
     * LATEST and must renew the iterator before handing anything out. A service without a matching iterator type maps
     * the position to one it has and drops what lies before with {@link #precedes}: Kinesis reads a KPL sub-record
     * position again at the aggregate (AT_SEQUENCE_NUMBER).
     */
    String openIterator(ReadStart start) throws Exception;

    /**
     * GetRecords with at most {@code limit} service records; the page may still hold more engine records. What it
     * holds waits in the reader, so a source that expands a service record into many (Kinesis's KPL aggregates)
     * should stop expanding near {@code limit} engine records and read the rest of the page again with the next call
     * (its next iterator then starts after the last service record kept).
     */
    Page<T> getRecords(String iterator, int limit) throws Exception;

    /** What a failure of {@link #openIterator} or {@link #getRecords} means; {@link CallFailure#OTHER} if unknown. */
    CallFailure classify(Exception failure);

    /**
     * True if {@code record} lies before {@code start}: a record an iterator opened at {@code start} returns only
     * because the service could not open exactly there. After each open the reader drops the records for which this
     * holds, up to the first for which it does not. The default drops nothing, right for a service whose iterator
     * types match {@link ReadStart} exactly.
     */
    default boolean precedes(StreamRecord<T> record, ReadStart start) {
        return false;
    }
}

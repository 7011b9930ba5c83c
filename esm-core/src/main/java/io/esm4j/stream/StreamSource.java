package io.esm4j.stream;

import io.esm4j.failure.BatchInfo;
import io.esm4j.filter.FilterDocument;
import io.esm4j.settings.StartingPosition;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The stream-source SPI: what the engine needs from Kinesis, DynamoDB Streams or any other sharded stream.
 *
 * @param <T> the payload type of the records it reads
 */
public interface StreamSource<T> {

    /** The stream's ARN, as written into failure records ({@code streamArn}). */
    String streamArn();

    /**
     * The batch info of a failure record for given-up records of one shard (in shard order, at least one), e.g.
     * {@code StreamBatchInfo.of(BatchInfoStyle.KINESIS, shardId, records, streamArn())}.
     */
    BatchInfo batchInfo(String shardId, List<StreamRecord<T>> records);

    /**
     * The record's own id, under which the idempotency store remembers it: Kinesis's {@code eventID}
     * ({@code shardId:sequenceNumber}, the default); DynamoDB Streams has its own {@code eventID}.
     */
    default String naturalId(StreamRecord<T> record) {
        return record.shardId() + ":" + record.sequenceNumber();
    }

    /**
     * The id a handler names in ReportBatchItemFailures for this record, compared with {@code equals}: the sequence
     * number (the default) for Kinesis and DynamoDB Streams; Kafka's is {@code {partition, offset}}.
     */
    default Object itemIdentifier(StreamRecord<T> record) {
        return record.sequenceNumber();
    }

    /**
     * The starting positions this source can start a shard at: all of them by default. DynamoDB Streams has no
     * AT_TIMESTAMP. {@code EventSourceMapping.Builder.build()} rejects any other StartingPosition, naming the source,
     * so that a mapping fails when it is built rather than when its first shard opens. A reader must still accept
     * {@link ReadStart.AtTimestamp}: the engine reopens a shard that started at LATEST at the time it first opened.
     */
    default Set<StartingPosition> startingPositions() {
        return EnumSet.allOf(StartingPosition.class);
    }

    /**
     * How long the stream keeps a record after its arrival, if the source knows: 24 hours for DynamoDB Streams, the
     * stream's retention period for Kinesis. With MaximumRecordAgeInSeconds -1 the engine gives up records older than
     * this as if it were their maximum age (condition {@code RecordAgeExceeded}), as Lambda retries a failing batch
     * only "until the records expire". Empty (the default): such records are retried for as long as the settings
     * allow. Called for every batch attempt, so it must return a value at hand and never call the service.
     */
    default Optional<Duration> retention() {
        return Optional.empty();
    }

    /**
     * The bytes an event of this shard's records holds besides the records themselves ({@link StreamRecord#sizeBytes()}
     * counts those): 0 (the default) when the records' sizes cover it. Kinesis and DynamoDB Streams declare
     * {@link io.esm4j.handler.RecordsJson#ENVELOPE_BYTES} ({@code {"Records":[]}} less the comma each record counts);
     * Kafka's event has {@code eventSource}, {@code bootstrapServers} and the partition's list around its records.
     * Batch formation counts it once per batch, so that no event is over Lambda's 6 MB invocation payload.
     */
    default int eventEnvelopeBytes(String shardId) {
        return 0;
    }

    /**
     * Whether this record's event, with it alone, would be over Lambda's 6 MB invocation payload
     * ({@link io.esm4j.settings.StreamSettings#MAX_PAYLOAD_BYTES}) and Lambda gives such records up for this source
     * instead of invoking them. If true, the engine never invokes the record: it goes to the on-failure destination
     * with condition {@code MaximumPayloadSizeExceeded} (or is dropped and counted without one), as Lambda does for
     * Kafka. False (the default) for sources where Lambda's behaviour is not documented (Kinesis, DynamoDB Streams):
     * such a record is invoked alone. Must agree with {@link #eventEnvelopeBytes} and {@link StreamRecord#sizeBytes()}:
     * batch formation keeps a batch of more than one record within the cap with its envelope, and a record that does
     * not fit with another is batched alone, so the engine asks only about batches of one record (before each attempt
     * to invoke one).
     */
    default boolean exceedsPayloadLimit(StreamRecord<T> record) {
        return false;
    }

    /** Every shard the stream has now, open and closed, with parent ids. */
    List<Shard> listShards() throws Exception;

    /**
     * A lasting condition of the stream itself that the last {@link #listShards()} found and the user must act on
     * (DynamoDB Streams: the stream is disabled, so no record will come any more), without the listing failing: the
     * mapping shows it as a problem (with {@code PROBLEM: } before it) after each listing while it lasts. Empty (the
     * default) when there is none.
     */
    default Optional<String> problem() {
        return Optional.empty();
    }

    /** Opens a reader on a shard at a position. */
    ShardReader<T> openReader(String shardId, ReadStart start) throws Exception;

    /**
     * The top-level keys filter patterns may name for this source (docs/lambda-semantics.md §4.2): {@code data} for
     * Kinesis, {@code dynamodb} for DynamoDB Streams. Empty if the source does not support filter criteria.
     */
    default Set<String> filterableKeys() {
        return Set.of();
    }

    /**
     * Those of {@link #filterableKeys()} that are matched as JSON data only: {@code data} for Kinesis, {@code dynamodb}
     * for DynamoDB Streams. A mapping refuses a pattern that matches such a key as a plain value
     * ({@code {"data": ["x"]}}) at build time, as Lambda refuses a plain pattern on Kinesis's {@code data}: on JSON
     * object data it would filter out every record.
     */
    default Set<String> jsonOnlyFilterKeys() {
        return Set.of();
    }

    /**
     * The document filter criteria are matched against, built with {@link io.esm4j.filter.FilterDocuments}
     * following the source's data rules. Called only when {@link #filterableKeys()} is not empty.
     */
    default FilterDocument filterDocument(StreamRecord<T> record) {
        throw new UnsupportedOperationException(getClass().getName() + " does not support filter criteria");
    }
}

package io.esm4j.dynamodbstreams;

import io.esm4j.stream.ReadStart;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.polling.CallFailure;
import io.esm4j.stream.polling.IteratorCalls;
import io.esm4j.stream.polling.Page;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The DynamoDB Streams calls of one shard, for esm-core's {@code IteratorShardReader}, which owns the read loop.
 * DynamoDB Streams has no AT_TIMESTAMP iterator: the reader asks for one only to renew a LATEST start before it has
 * handed anything out, and this opens at TRIM_HORIZON instead and drops ({@link #precedes}) the records created
 * before the timestamp's second, which re-reads rather than skips.
 */
final class DynamoDbShardCalls implements IteratorCalls<DynamoDbRecord> {

    private final DynamoDbStreamsClient client;
    private final String streamArn;
    private final String shardId;
    private final RecordConverter converter;
    /** The shards the last listing reported closed, shared with the source. */
    private final Set<String> closedShards;

    DynamoDbShardCalls(DynamoDbStreamsClient client, String streamArn, String shardId, RecordConverter converter,
                       Set<String> closedShards) {
        this.client = client;
        this.streamArn = streamArn;
        this.shardId = shardId;
        this.converter = converter;
        this.closedShards = closedShards;
    }

    @Override
    public String openIterator(ReadStart start) {
        GetShardIteratorRequest.Builder request = GetShardIteratorRequest.builder().streamArn(streamArn)
                .shardId(shardId);
        switch (start) {
            case ReadStart.TrimHorizon t -> request.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
            case ReadStart.Latest l -> request.shardIteratorType(ShardIteratorType.LATEST);
            case ReadStart.AtTimestamp at -> request.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
            case ReadStart.AfterSequenceNumber after -> request.shardIteratorType(
                    ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(after.sequenceNumber());
        }
        return client.getShardIterator(request.build()).shardIterator();
    }

    /**
     * No lag is reported, so iterator age comes from creation times. GetRecords may answer empty pages before a part
     * of the shard that holds records: on a shard known to be closed the reader keeps reading to its end at once.
     */
    @Override
    public Page<DynamoDbRecord> getRecords(String iterator, int limit) {
        GetRecordsResponse response = client.getRecords(r -> r.shardIterator(iterator).limit(limit));
        List<StreamRecord<DynamoDbRecord>> records = new ArrayList<>(response.records().size());
        for (Record record : response.records()) {
            records.add(converter.convert(record));
        }
        return new Page<>(records, response.nextShardIterator(), -1, closedShards.contains(shardId));
    }

    @Override
    public CallFailure classify(Exception failure) {
        return switch (failure) {
            case ExpiredIteratorException e -> CallFailure.ITERATOR_EXPIRED;
            case TrimmedDataAccessException e -> CallFailure.POSITION_TRIMMED;
            case Exception e when throttled(e) -> CallFailure.THROTTLED;
            default -> CallFailure.OTHER;
        };
    }

    /** LimitExceededException, or any error the SDK calls throttling ({@code ThrottlingException}). */
    static boolean throttled(Exception failure) {
        return failure instanceof LimitExceededException
                || failure instanceof SdkServiceException e && e.isThrottlingException();
    }

    @Override
    public boolean precedes(StreamRecord<DynamoDbRecord> record, ReadStart start) {
        return start instanceof ReadStart.AtTimestamp at && record.approximateArrivalTimestamp()
                .isBefore(at.timestamp().truncatedTo(ChronoUnit.SECONDS));
    }
}

package io.esm4j.kinesis;

import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.polling.CallFailure;
import io.esm4j.stream.polling.IteratorCalls;
import io.esm4j.stream.polling.IteratorReaderSettings;
import io.esm4j.stream.polling.IteratorShardReader;
import io.esm4j.stream.polling.Page;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Reads one Kinesis shard on the shared {@link IteratorShardReader}, which owns the read loop (iterator renewal,
 * pacing, throttling backoff, buffering). What is Kinesis's here: the GetShardIterator and GetRecords calls, which
 * exceptions mean throttling or an expired iterator, KPL de-aggregation, and the sub-record positions: resuming after
 * {@code S/k} opens at the aggregate {@code S} (AT_SEQUENCE_NUMBER) and drops its sub-records up to {@code k}.
 */
final class KinesisShardReader implements IteratorCalls<KinesisRecord> {

    /** GetRecords returns at most 10,000 records (docs/lambda-semantics.md §7.1). */
    private static final int MAX_GET_RECORDS = 10_000;

    private final KinesisClient client;
    /** The stream's ARN: by name, Kinesis would look in the client's account. */
    private final String streamArn;
    private final String shardId;
    private final RecordConverter converter;

    KinesisShardReader(KinesisClient client, String streamArn, String shardId, RecordConverter converter) {
        this.client = client;
        this.streamArn = streamArn;
        this.shardId = shardId;
        this.converter = converter;
    }

    /** A reader on the shard, with its first iterator already open at {@code start}. */
    static ShardReader<KinesisRecord> open(KinesisClient client, String streamArn, String shardId, ReadStart start,
                                           RecordConverter converter, KinesisSourceSettings settings)
            throws Exception {
        IteratorReaderSettings reading = IteratorReaderSettings.of(settings.getRecordsPerSecondPerShard(),
                MAX_GET_RECORDS, settings.throttleBackoffInitial(), settings.throttleBackoffMax());
        return IteratorShardReader.open(streamArn, shardId, start,
                new KinesisShardReader(client, streamArn, shardId, converter), reading);
    }

    @Override
    public String openIterator(ReadStart start) {
        ShardStart at = ShardStart.of(start);
        return client.getShardIterator(r -> r.streamARN(streamArn).shardId(shardId).shardIteratorType(at.type())
                .startingSequenceNumber(at.sequenceNumber()).timestamp(at.timestamp())).shardIterator();
    }

    @Override
    public Page<KinesisRecord> getRecords(String iterator, int limit) {
        GetRecordsResponse response = client.getRecords(r -> r.streamARN(streamArn).shardIterator(iterator)
                .limit(limit));
        List<StreamRecord<KinesisRecord>> records = new ArrayList<>(response.records().size());
        for (Record record : response.records()) {
            records.addAll(converter.convert(record));
        }
        long millisBehindLatest = response.millisBehindLatest() != null ? response.millisBehindLatest() : -1;
        return Page.of(records, response.nextShardIterator(), millisBehindLatest);
    }

    @Override
    public CallFailure classify(Exception failure) {
        return switch (failure) {
            case ProvisionedThroughputExceededException e -> CallFailure.THROTTLED;
            // Reading an encrypted stream also spends the KMS key's request quota.
            case KmsThrottlingException e -> CallFailure.THROTTLED;
            case ExpiredIteratorException e -> CallFailure.ITERATOR_EXPIRED;
            default -> CallFailure.OTHER;
        };
    }

    /** The sub-records of an aggregate up to and including {@code S/k}, when reading resumes after {@code S/k}. */
    @Override
    public boolean precedes(StreamRecord<KinesisRecord> record, ReadStart start) {
        return KinesisPosition.precedes(record.sequenceNumber(), start);
    }
}

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
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/**
 * Reads one Kinesis shard on the shared {@link IteratorShardReader}, which owns the read loop (iterator renewal,
 * pacing, throttling backoff, buffering). What is Kinesis's here: the GetShardIterator and GetRecords calls, which
 * exceptions mean throttling or an expired iterator, KPL de-aggregation, and the sub-record positions: resuming after
 * {@code S/k} opens at the aggregate {@code S} (AT_SEQUENCE_NUMBER) and drops its sub-records up to {@code k}.
 */
final class KinesisShardReader implements IteratorCalls<KinesisRecord> {

    /** GetRecords returns at most 10,000 records (docs/lambda-semantics.md §7.1). */
    private static final int MAX_GET_RECORDS = 10_000;
    /** What a shard serves its readers together: 2 MiB a second. */
    static final long READ_BYTES_PER_SECOND = 2L << 20;

    private final KinesisClient client;
    /** The stream's ARN: by name, Kinesis would look in the client's account. */
    private final String streamArn;
    private final String shardId;
    private final RecordConverter converter;
    /** Says whether the stream was deleted and created again (null: not seen), when a position is refused. */
    private final Supplier<@Nullable String> recreation;
    /** User records per Kinesis record on the last page: more than 1 where KPL aggregates are read. */
    private double userRecordsPerRecord = 1.0;
    /** When the shard has served the last page's bytes, from {@link System#nanoTime()}. */
    private long readsAllowedAtNanos = System.nanoTime();

    KinesisShardReader(KinesisClient client, String streamArn, String shardId, RecordConverter converter) {
        this(client, streamArn, shardId, converter, () -> null);
    }

    KinesisShardReader(KinesisClient client, String streamArn, String shardId, RecordConverter converter,
                       Supplier<@Nullable String> recreation) {
        this.client = client;
        this.streamArn = streamArn;
        this.shardId = shardId;
        this.converter = converter;
        this.recreation = recreation;
    }

    /** A reader on the shard, with its first iterator already open at {@code start}. */
    static ShardReader<KinesisRecord> open(KinesisClient client, String streamArn, String shardId, ReadStart start,
                                           RecordConverter converter, KinesisSourceSettings settings,
                                           Supplier<@Nullable String> recreation)
            throws Exception {
        IteratorReaderSettings reading = IteratorReaderSettings.of(settings.getRecordsPerSecondPerShard(),
                MAX_GET_RECORDS, settings.throttleBackoffInitial(), settings.throttleBackoffMax());
        return IteratorShardReader.open(streamArn, shardId, start,
                new KinesisShardReader(client, streamArn, shardId, converter, recreation), reading);
    }

    /**
     * A position the shard refuses (Kinesis: InvalidArgumentException; kinesis-mock: ResourceNotFoundException on a
     * stream that exists) is one of another stream: most likely of a stream of the same name that was deleted, whose
     * shard ids the new stream uses again. Reading on from it is impossible, and skipping to the new stream's records on
     * the mapping's own is not the mapping's call (its checkpoints say what was processed), so the failure says what
     * happened and what to do; the engine shows it as the shard's problem and retries with backoff.
     */
    @Override
    public String openIterator(ReadStart start) {
        ShardStart at = ShardStart.of(start);
        try {
            return client.getShardIterator(r -> r.streamARN(streamArn).shardId(shardId).shardIteratorType(at.type())
                    .startingSequenceNumber(at.sequenceNumber()).timestamp(at.timestamp())).shardIterator();
        } catch (InvalidArgumentException | ResourceNotFoundException e) {
            String recreated = recreation.get();
            if (at.sequenceNumber() == null || recreated == null && !(e instanceof InvalidArgumentException)) {
                throw e;
            }
            String why = recreated != null ? recreated + ": position " + at.sequenceNumber() + " of shard " + shardId
                    + " is one of the old stream"
                    : "position " + at.sequenceNumber() + " is not one of shard " + shardId + " of stream " + streamArn
                            + " (Kinesis: " + errorMessage(e) + "); it is most likely one of a "
                            + "stream of the same name that was deleted";
            throw new PositionNotInShardException(why + ". " + PositionNotInShardException.WHAT_TO_DO, e);
        }
    }

    private static @Nullable String errorMessage(AwsServiceException e) {
        AwsErrorDetails details = e.awsErrorDetails();
        return details != null ? details.errorMessage() : e.getMessage();
    }

    /**
     * GetRecords counts Kinesis records, the engine user records, and a KPL aggregate holds many of them. So the call
     * asks for as many Kinesis records as the last page's ratio says make {@code limit} user records, and the page
     * keeps whole records only until it holds {@code limit} user records; the rest of the page is not expanded, and
     * the next page starts after the last record kept (one GetShardIterator more). What the reader holds is thus at
     * most {@code limit} user records plus the rest of one aggregate (a Kinesis record holds at most 1 MiB).
     */
    @Override
    public Page<KinesisRecord> getRecords(String iterator, int limit) throws InterruptedException {
        awaitReadBudget();
        int asked = Math.max(1, Math.min(limit, (int) Math.ceil(limit / userRecordsPerRecord)));
        GetRecordsResponse response = client.getRecords(r -> r.streamARN(streamArn).shardIterator(iterator)
                .limit(asked));
        List<StreamRecord<KinesisRecord>> records = new ArrayList<>(response.records().size());
        spent(response.records());
        int kept = 0;
        for (Record record : response.records()) {
            if (records.size() >= limit) {
                break;
            }
            records.addAll(converter.convert(record));
            kept++;
        }
        if (kept > 0) {
            userRecordsPerRecord = Math.max(1.0, (double) records.size() / kept);
        }
        long millisBehindLatest = response.millisBehindLatest() != null ? response.millisBehindLatest() : -1;
        if (kept < response.records().size()) {
            String lastKept = response.records().get(kept - 1).sequenceNumber();
            return Page.of(records, openIterator(new ReadStart.AfterSequenceNumber(lastKept)),
                    Math.max(1, millisBehindLatest));
        }
        return Page.of(records, response.nextShardIterator(), millisBehindLatest);
    }

    /**
     * A shard serves 2 MiB a second to all its readers together, and Kinesis refuses every call for a while after a
     * large answer: instead of learning that from a series of throttled calls (each one counting against the five
     * calls a second every reader of the shard shares), the next call waits until the shard has had the time to
     * serve the last page's bytes.
     */
    private void awaitReadBudget() throws InterruptedException {
        long waitNanos = readsAllowedAtNanos - System.nanoTime();
        if (waitNanos > 0) {
            TimeUnit.NANOSECONDS.sleep(waitNanos);
        }
    }

    private void spent(List<Record> records) {
        long bytes = 0;
        for (Record record : records) {
            bytes += record.data().asByteBuffer().remaining() + record.partitionKey().length();
        }
        readsAllowedAtNanos = System.nanoTime() + bytes * 1_000_000_000L / READ_BYTES_PER_SECOND;
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

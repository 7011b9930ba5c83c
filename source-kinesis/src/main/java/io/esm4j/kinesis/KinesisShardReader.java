package io.esm4j.kinesis;

import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.polling.CallPacer;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * Reads one Kinesis shard with GetRecords, within the shard's call budget.
 *
 * <ul>
 *   <li>Position: it remembers the last user record it handed out. An expired iterator is renewed from there
 *       (never from the starting position), or from where it opened if it has handed out nothing yet.</li>
 *   <li>Aggregates: a KPL aggregate becomes its user records; those beyond what the engine asked for wait in the
 *       reader for the next fetch, so a fetch never returns more than {@code maxRecords}. What waits is bounded by
 *       one GetRecords response (10 MiB).</li>
 *   <li>Polling: calls are spaced by the GetRecords budget; while Kinesis reports the reader behind, empty reads
 *       are followed at once by the next one; at the tail an empty result goes back to the engine, which waits
 *       IdlePollInterval.</li>
 *   <li>Throttling: ProvisionedThroughputExceededException waits with exponential backoff and retries.</li>
 * </ul>
 * Not thread-safe: the engine reads a shard from one thread.
 */
final class KinesisShardReader implements ShardReader<KinesisRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(KinesisShardReader.class);
    /** GetRecords returns at most 10,000 records (AWS-SEMANTICS §7.1). */
    private static final int MAX_GET_RECORDS = 10_000;
    /** Empty reads in a row while behind before the fetch returns, so that the engine can see a stop. */
    private static final int MAX_EMPTY_READS_WHILE_BEHIND = 20;
    /** Throttled calls in a row from which each one is logged as a warning. */
    private static final int WARN_AFTER_THROTTLES = 3;

    private final KinesisClient client;
    private final String streamName;
    private final String shardId;
    private final RecordConverter converter;
    private final CallPacer budget;
    private final IntervalFunction throttleBackoff;
    /** Where to renew the iterator from until a record has been handed out. */
    private final ReadStart origin;
    private final ArrayDeque<StreamRecord<KinesisRecord>> pending = new ArrayDeque<>();

    private String iterator;
    /** Sub-records of this aggregate up to this sub-sequence number were handed out before; null when none. */
    private KinesisPosition skipThrough;
    private KinesisPosition lastHandedOut;
    private long millisBehindLatest = -1;
    private int throttledInARow;

    KinesisShardReader(KinesisClient client, String streamName, String shardId, ReadStart start,
                       RecordConverter converter, KinesisSourceSettings settings) {
        this.client = client;
        this.streamName = streamName;
        this.shardId = shardId;
        this.converter = converter;
        this.budget = new CallPacer(settings.getRecordsPerSecondPerShard());
        this.throttleBackoff = IntervalFunction.ofExponentialRandomBackoff(settings.throttleBackoffInitial(), 2.0,
                0.5, settings.throttleBackoffMax());
        // A LATEST iterator renewed later would skip what arrived meanwhile; the time it was taken does not.
        this.origin = start instanceof ReadStart.Latest ? new ReadStart.AtTimestamp(Instant.now()) : start;
        this.iterator = shardIterator(start);
    }

    @Override
    public FetchResult<KinesisRecord> fetch(int maxRecords) throws InterruptedException {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxRecords must be at least 1 but was " + maxRecords);
        }
        if (pending.isEmpty() && iterator != null) {
            read(Math.min(maxRecords, MAX_GET_RECORDS));
        }
        List<StreamRecord<KinesisRecord>> records = new ArrayList<>(Math.min(maxRecords, pending.size()));
        while (records.size() < maxRecords && !pending.isEmpty()) {
            records.add(pending.pollFirst());
        }
        if (!records.isEmpty()) {
            lastHandedOut = KinesisPosition.parse(records.getLast().sequenceNumber());
        }
        return new FetchResult<>(records, millisBehindLatest, iterator == null && pending.isEmpty());
    }

    /** Reads until records arrive, the shard ends, the reader has caught up, or enough empty reads went by. */
    private void read(int limit) throws InterruptedException {
        for (int emptyReads = 1; ; emptyReads++) {
            GetRecordsResponse response = getRecords(limit);
            iterator = response.nextShardIterator();
            millisBehindLatest = response.millisBehindLatest() != null ? response.millisBehindLatest() : -1;
            for (Record record : response.records()) {
                for (StreamRecord<KinesisRecord> converted : converter.convert(record)) {
                    if (!alreadyHandedOut(converted)) {
                        pending.addLast(converted);
                    }
                }
            }
            if (!pending.isEmpty() || iterator == null || millisBehindLatest <= 0
                    || emptyReads >= MAX_EMPTY_READS_WHILE_BEHIND) {
                return;
            }
        }
    }

    /** True for the sub-records of a partly handed-out aggregate that a resumed read returns again. */
    private boolean alreadyHandedOut(StreamRecord<KinesisRecord> record) {
        if (skipThrough == null) {
            return false;
        }
        KinesisPosition position = KinesisPosition.parse(record.sequenceNumber());
        if (position.sequenceNumber().equals(skipThrough.sequenceNumber())
                && position.subSequenceNumber() <= skipThrough.subSequenceNumber()) {
            return true;
        }
        skipThrough = null;
        return false;
    }

    private GetRecordsResponse getRecords(int limit) throws InterruptedException {
        while (true) {
            budget.awaitTurn();
            try {
                GetRecordsResponse response = client.getRecords(GetRecordsRequest.builder()
                        .shardIterator(iterator).limit(limit).build());
                throttledInARow = 0;
                return response;
            } catch (ProvisionedThroughputExceededException e) {
                throttledInARow++;
                Duration wait = Duration.ofMillis(throttleBackoff.apply(throttledInARow));
                LOG.atLevel(throttledInARow >= WARN_AFTER_THROTTLES ? Level.WARN : Level.DEBUG)
                        .addKeyValue("stream", streamName).addKeyValue("shardId", shardId)
                        .addKeyValue("throttledInARow", throttledInARow).addKeyValue("waitMillis", wait.toMillis())
                        .log("GetRecords throttled; backing off");
                Thread.sleep(wait);
            } catch (ExpiredIteratorException e) {
                ReadStart from = lastHandedOut != null
                        ? new ReadStart.AfterSequenceNumber(lastHandedOut.toString()) : origin;
                LOG.atInfo().addKeyValue("stream", streamName).addKeyValue("shardId", shardId)
                        .addKeyValue("from", from).log("shard iterator expired; renewing it");
                iterator = shardIterator(from);
            }
        }
    }

    /** A new iterator at {@code start}; a sub-record position re-reads its aggregate and skips what was handed out. */
    private String shardIterator(ReadStart start) {
        GetShardIteratorRequest.Builder request = GetShardIteratorRequest.builder()
                .streamName(streamName).shardId(shardId);
        KinesisPosition skip = null;
        switch (start) {
            case ReadStart.TrimHorizon t -> request.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
            case ReadStart.Latest l -> request.shardIteratorType(ShardIteratorType.LATEST);
            case ReadStart.AtTimestamp at -> request.shardIteratorType(ShardIteratorType.AT_TIMESTAMP)
                    .timestamp(at.timestamp());
            case ReadStart.AfterSequenceNumber after -> {
                KinesisPosition position = KinesisPosition.parse(after.sequenceNumber());
                request.startingSequenceNumber(position.sequenceNumber());
                if (position.aggregated()) {
                    request.shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER);
                    skip = position;
                } else {
                    request.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER);
                }
            }
        }
        String shardIterator = client.getShardIterator(request.build()).shardIterator();
        skipThrough = skip;
        return shardIterator;
    }
}

package io.esm4j.stream.polling;

import io.esm4j.internal.MappingLogName;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.ShardThrottledException;
import io.esm4j.stream.StreamRecord;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Reads one shard through shard iterators (GetShardIterator, then GetRecords with each page's next iterator), the
 * way Kinesis Data Streams and DynamoDB Streams are read; the source supplies the calls as {@link IteratorCalls}.
 *
 * <ul>
 *   <li>Position: the reader remembers the last record it handed out. An expired iterator is renewed just after it
 *       (never from the starting position), or where the reader opened if it has handed out nothing yet. A LATEST
 *       start is remembered as AT_TIMESTAMP of the time it opened, so a renewal does not skip what arrived since.</li>
 *   <li>Limits: a fetch never returns more than {@code maxRecords}; records a page holds beyond that (a source can
 *       expand one service record into several) wait in the reader for the next fetch. What waits is bounded by one
 *       page, which a source that expands keeps near the limit it was given ({@link IteratorCalls#getRecords}).</li>
 *   <li>Polling: GetRecords calls are spaced by {@link IteratorReaderSettings#getRecordsPerSecond()}. While the shard
 *       reports records past an empty page, the next call follows at once, up to
 *       {@link IteratorReaderSettings#maxEmptyReadsWhileBehind()} in one fetch; at the tail an empty result goes back
 *       to the engine, which waits IdlePollInterval.</li>
 *   <li>Failures: {@link IteratorCalls#classify} decides. Throttling waits with exponential backoff and repeats the
 *       call, except that every {@link ShardThrottledException#REPORT_EVERY}-th throttled call in a row is thrown as a
 *       {@link ShardThrottledException} so that the mapping's status shows it; an expired iterator is renewed; anything
 *       else is thrown to the engine, which closes this reader, backs off, and opens a new one after the last record
 *       handed out.</li>
 *   <li>Shard end: once a page has no next iterator and every record has been handed out.</li>
 * </ul>
 * Not thread-safe: the engine reads a shard from one thread.
 *
 * @param <T> the payload type of the records
 */
public final class IteratorShardReader<T> implements ShardReader<T> {

    private static final Logger LOG = LoggerFactory.getLogger(IteratorShardReader.class);
    /** Throttled calls in a row from which each one is logged as a warning. */
    private static final int WARN_AFTER_THROTTLES = 3;
    /**
     * How long Kinesis keeps a shard iterator valid (DynamoDB Streams: 15 minutes). The engine opens a reader before
     * it waits for room in the shard's buffer, so a slow handler can leave a fresh iterator unused for longer.
     */
    static final Duration ITERATOR_LIFETIME = Duration.ofMinutes(5);

    private final String stream;
    private final String shardId;
    /** The mapping of the engine thread that opened the reader, for the logs. */
    private final @Nullable String mapping = MappingLogName.current();
    private final IteratorCalls<T> calls;
    private final IteratorReaderSettings settings;
    private final CallPacer pacer;
    private final IntervalFunction throttleBackoff;
    private final CallPacer.Sleeper sleeper;
    private final LongSupplier nanoTime;
    /** Where to renew the iterator from until a record has been handed out. */
    private final ReadStart origin;
    private final ArrayDeque<StreamRecord<T>> pending = new ArrayDeque<>();

    /** Null while a new iterator must be opened: before the first open succeeded, or after one expired. */
    private @Nullable String iterator;
    /** Where the iterator was opened, until a record past that position has been read; records before it drop. */
    private @Nullable ReadStart openedAt;
    /** The iterator has not returned a page yet: if it is already expired, renewing again would only loop. */
    private boolean fresh;
    /** When the iterator was opened, from {@code nanoTime}. */
    private long openedNanos;
    private boolean closed;
    private @Nullable String lastHandedOut;
    /** A position was found trimmed since the last fetch: the next fetch reports it (FetchResult.positionExpired). */
    private boolean positionExpired;
    private long millisBehindLatest = -1;
    /** The last page said the shard holds records past it. */
    private boolean behind;
    private int throttledInARow;

    private IteratorShardReader(String stream, String shardId, IteratorCalls<T> calls, IteratorReaderSettings settings,
                                ReadStart origin, LongSupplier nanoTime, CallPacer.Sleeper sleeper) {
        this.stream = stream;
        this.shardId = shardId;
        this.calls = calls;
        this.settings = settings;
        this.pacer = new CallPacer(settings.getRecordsPerSecond(), nanoTime, sleeper);
        this.throttleBackoff = IntervalFunction.ofExponentialRandomBackoff(settings.throttleBackoffInitial(), 2.0,
                0.5, settings.throttleBackoffMax());
        this.sleeper = sleeper;
        this.nanoTime = nanoTime;
        this.origin = origin;
    }

    /**
     * Opens a reader on a shard: asks for the first iterator at once (so that a LATEST start means now), backing off
     * while that call is throttled.
     *
     * @param stream  the stream as logs name it (a name or an ARN)
     * @param shardId the shard, for logs
     * @param start   where to start, as the engine passed it to {@code StreamSource.openReader}
     * @param calls   the source's calls for this shard
     */
    public static <T> IteratorShardReader<T> open(String stream, String shardId, ReadStart start,
                                                  IteratorCalls<T> calls, IteratorReaderSettings settings)
            throws Exception {
        return open(stream, shardId, start, calls, settings, Clock.systemUTC(), System::nanoTime,
                CallPacer.Sleeper.SYSTEM);
    }

    /** As {@link #open(String, String, ReadStart, IteratorCalls, IteratorReaderSettings)}, with time supplied. */
    static <T> IteratorShardReader<T> open(String stream, String shardId, ReadStart start, IteratorCalls<T> calls,
                                           IteratorReaderSettings settings, Clock clock, LongSupplier nanoTime,
                                           CallPacer.Sleeper sleeper) throws Exception {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(calls, "calls");
        Objects.requireNonNull(settings, "settings");
        // Taken before the iterator, so that a renewal at this time re-reads rather than skips the gap between.
        ReadStart origin = start instanceof ReadStart.Latest ? new ReadStart.AtTimestamp(clock.instant()) : start;
        IteratorShardReader<T> reader = new IteratorShardReader<>(stream, shardId, calls, settings, origin, nanoTime,
                sleeper);
        reader.openIterator(start);
        return reader;
    }

    @Override
    public FetchResult<T> fetch(int maxRecords) throws Exception {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxRecords must be at least 1 but was " + maxRecords);
        }
        if (pending.isEmpty() && !closed) {
            read(Math.min(maxRecords, settings.maxRecordsPerCall()));
        }
        List<StreamRecord<T>> records = new ArrayList<>(Math.min(maxRecords, pending.size()));
        while (records.size() < maxRecords && !pending.isEmpty()) {
            records.add(pending.pollFirst());
        }
        if (!records.isEmpty()) {
            lastHandedOut = records.getLast().sequenceNumber();
        }
        // An empty result passes for the tail (which closes tumbling windows) unless it reports a lag: while the
        // shard is behind without a lag from the service (DynamoDB Streams), the least one stands for it.
        long lag = records.isEmpty() && behind ? Math.max(1, millisBehindLatest) : millisBehindLatest;
        boolean expired = positionExpired;
        positionExpired = false;
        return new FetchResult<>(records, lag, closed && pending.isEmpty(), expired);
    }

    /** Reads until records arrive, the shard ends, the reader has caught up, or enough empty reads went by. */
    private void read(int limit) throws Exception {
        for (int emptyReads = 1; ; emptyReads++) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while reading shard " + shardId);
            }
            Page<T> page = getRecords(limit);
            iterator = page.nextIterator();
            closed = page.shardClosed();
            millisBehindLatest = page.millisBehindLatest();
            for (StreamRecord<T> record : page.records()) {
                if (openedAt != null && calls.precedes(record, openedAt)) {
                    continue;
                }
                openedAt = null;
                pending.addLast(record);
            }
            // A page whose records were all from before the start (a reopened DynamoDB LATEST reader scans from
            // TRIM_HORIZON) is no tail, whether or not the service reports a lag: read on at once, and say behind.
            boolean skippedAll = pending.isEmpty() && !page.records().isEmpty();
            behind = page.behind() || skippedAll;
            if (!pending.isEmpty() || closed || !behind || emptyReads >= settings.maxEmptyReadsWhileBehind()) {
                return;
            }
        }
    }

    private Page<T> getRecords(int limit) throws Exception {
        while (true) {
            String current = iterator != null ? iterator : openIterator(renewalStart());
            pacer.awaitTurn();
            try {
                Page<T> page = calls.getRecords(current, limit);
                throttledInARow = 0;
                fresh = false;
                return page;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                CallFailure failure = classify(e);
                switch (failure) {
                    case THROTTLED -> backOff("GetRecords", e);
                    case ITERATOR_EXPIRED, POSITION_TRIMMED -> {
                        iterator = null;
                        if (fresh && nanoTime.getAsLong() - openedNanos < ITERATOR_LIFETIME.toNanos()) {
                            // Expired before its lifetime, before its first page: renewing would only loop. The
                            // engine's backoff and error count apply; its new reader opens a new iterator. One that
                            // waited out its lifetime unused (the engine waited for room first) is renewed.
                            throw e;
                        }
                        MappingLogName.named(LOG.atInfo(), mapping).addKeyValue("stream", stream)
                                .addKeyValue("shardId", shardId)
                                .addKeyValue("reason", failure).addKeyValue("from", renewalStart())
                                .log("shard iterator no longer usable; opening a new one");
                    }
                    case OTHER -> throw e;
                }
            }
        }
    }

    /**
     * Opens an iterator at {@code start}, or at TRIM_HORIZON if the service says {@code start} is trimmed; returns it
     * as well as keeping it.
     */
    private String openIterator(ReadStart start) throws Exception {
        ReadStart at = start;
        while (true) {
            try {
                String opened = calls.openIterator(at);
                iterator = opened;
                openedAt = at;
                fresh = true;
                openedNanos = nanoTime.getAsLong();
                throttledInARow = 0;
                return opened;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                CallFailure failure = classify(e);
                if (failure == CallFailure.THROTTLED) {
                    backOff("GetShardIterator", e);
                } else if (failure == CallFailure.POSITION_TRIMMED && !(at instanceof ReadStart.TrimHorizon)) {
                    MappingLogName.named(LOG.atWarn(), mapping).addKeyValue("stream", stream)
                            .addKeyValue("shardId", shardId)
                            .addKeyValue("requested", at).addKeyValue("lastHandedOut", lastHandedOut)
                            .log("position is older than the shard's retention; reading from TRIM_HORIZON, "
                                    + "the records in between are lost");
                    positionExpired = true;
                    at = new ReadStart.TrimHorizon();
                } else {
                    throw e;
                }
            }
        }
    }

    private ReadStart renewalStart() {
        return lastHandedOut != null ? new ReadStart.AfterSequenceNumber(lastHandedOut) : origin;
    }

    private CallFailure classify(Exception e) {
        CallFailure failure = calls.classify(e);
        return failure != null ? failure : CallFailure.OTHER;
    }

    /** Waits before the throttled call is made again, or throws it to the engine if a report is due. */
    private void backOff(String call, Exception throttle) throws InterruptedException, ShardThrottledException {
        throttledInARow++;
        if (ShardThrottledException.due(throttledInARow)) {
            throw new ShardThrottledException(call, throttledInARow, throttle);
        }
        Duration wait = Duration.ofMillis(throttleBackoff.apply(throttledInARow));
        Level level = throttledInARow >= WARN_AFTER_THROTTLES ? Level.WARN : Level.DEBUG;
        MappingLogName.named(LOG.atLevel(level), mapping)
                .addKeyValue("stream", stream).addKeyValue("shardId", shardId).addKeyValue("call", call)
                .addKeyValue("throttledInARow", throttledInARow).addKeyValue("waitMillis", wait.toMillis())
                .log("call throttled; backing off");
        sleeper.sleep(wait.toNanos());
    }
}

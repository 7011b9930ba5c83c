package io.esm4j.stream.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardThrottledException;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IteratorShardReaderTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final long MS = Duration.ofMillis(1).toNanos();
    /** 5 calls per second (200 ms apart), throttling backoff from 1 s to 4 s, 5 empty reads while behind. */
    private static final IteratorReaderSettings SETTINGS = new IteratorReaderSettings(5, 100, Duration.ofSeconds(1),
            Duration.ofSeconds(4), 5);

    private final MutableClock clock = new MutableClock(T0);
    private final FakeShard shard = new FakeShard(clock);
    /** Monotonic time seen by the reader: only sleeps and the test move it. */
    private long nanos;
    private final List<Long> sleeps = new ArrayList<>();

    @Test
    void readsTheShardInOrderAndEndsWithItsLastRecord() throws Exception {
        shard.append(5);
        shard.close();
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        FetchResult<String> result = reader.fetch(10);

        assertThat(sequenceNumbers(result)).containsExactly("1", "2", "3", "4", "5");
        assertThat(result.shardEnded()).isTrue();
    }

    @Test
    void aFetchNeverReturnsMoreThanMaxRecordsAndTheRestWaitsInOrder() throws Exception {
        shard.appendAggregate(5);
        shard.append(1);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        // One call for 2 service records brings 6 engine records: the aggregate's 5 and record 2.
        assertThat(sequenceNumbers(reader.fetch(2))).containsExactly("1/0", "1/1");
        assertThat(sequenceNumbers(reader.fetch(2))).containsExactly("1/2", "1/3");
        assertThat(sequenceNumbers(reader.fetch(2))).containsExactly("1/4", "2");
        assertThat(shard.limits()).containsExactly(2);
    }

    @Test
    void aCallAsksForNoMoreThanTheServiceLimit() throws Exception {
        shard.append(150);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        assertThat(reader.fetch(10_000).records()).hasSize(100);
        assertThat(shard.limits()).containsExactly(100);
    }

    @Test
    void theShardEndsOnlyOnceEveryBufferedRecordIsHandedOut() throws Exception {
        shard.appendAggregate(3);
        shard.close();
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        FetchResult<String> first = reader.fetch(2);
        FetchResult<String> second = reader.fetch(2);

        assertThat(sequenceNumbers(first)).containsExactly("1/0", "1/1");
        assertThat(first.shardEnded()).isFalse();
        assertThat(sequenceNumbers(second)).containsExactly("1/2");
        assertThat(second.shardEnded()).isTrue();
        assertThat(shard.getRecordsCalls()).isEqualTo(1);
    }

    @Test
    void anExpiredIteratorIsRenewedAfterTheLastRecordHandedOut() throws Exception {
        shard.append(6);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());
        List<String> read = new ArrayList<>(sequenceNumbers(reader.fetch(2)));

        shard.expireIterators();
        read.addAll(sequenceNumbers(reader.fetch(2)));
        read.addAll(sequenceNumbers(reader.fetch(10)));

        assertThat(read).containsExactly("1", "2", "3", "4", "5", "6");
        assertThat(shard.opens()).containsExactly(new ReadStart.TrimHorizon(), new ReadStart.AfterSequenceNumber("2"));
    }

    @Test
    void aRenewalAfterAnAggregateSkipsItsSubRecordsAlreadyHandedOut() throws Exception {
        shard.appendAggregate(4);
        shard.append(2);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());
        List<String> read = new ArrayList<>(sequenceNumbers(reader.fetch(1)));
        read.addAll(sequenceNumbers(reader.fetch(3)));

        shard.expireIterators();
        read.addAll(sequenceNumbers(reader.fetch(10)));

        assertThat(read).containsExactly("1/0", "1/1", "1/2", "1/3", "2", "3");
        assertThat(shard.opens()).last().isEqualTo(new ReadStart.AfterSequenceNumber("1/3"));
    }

    @Test
    void aStartInsideAnAggregateDropsOnlyTheSubRecordsUpToIt() throws Exception {
        shard.appendAggregate(4);
        shard.appendAggregate(2);
        IteratorShardReader<String> reader = open(new ReadStart.AfterSequenceNumber("1/1"));

        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1/2", "1/3", "2/0", "2/1");
    }

    @Test
    void aRenewalBeforeAnythingWasHandedOutStartsWhereTheReaderStarted() throws Exception {
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());
        assertThat(reader.fetch(10).records()).isEmpty();
        shard.append(2);

        shard.expireIterators();

        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1", "2");
        assertThat(shard.opens()).containsExactly(new ReadStart.TrimHorizon(), new ReadStart.TrimHorizon());
    }

    @Test
    void aLatestReaderRenewsAtTheTimeItOpenedSoNothingThatArrivedSinceIsSkipped() throws Exception {
        clock.set(T0.minusSeconds(60));
        shard.append(3);
        clock.set(T0);
        IteratorShardReader<String> reader = open(new ReadStart.Latest());
        assertThat(reader.fetch(10).records()).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        shard.append(2);

        shard.expireIterators();

        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("4", "5");
        assertThat(shard.opens()).containsExactly(new ReadStart.Latest(), new ReadStart.AtTimestamp(T0));
    }

    /**
     * DynamoDB Streams has no AT_TIMESTAMP: the reader opens at TRIM_HORIZON and drops what came before the start. A
     * page of only such records is no tail (the service reports no lag): the reader reads on instead of returning
     * an empty fetch that passes for the tail and waits an idle interval per page.
     */
    @Test
    void aPageOfOnlyRecordsFromBeforeTheStartIsNoTailWhenTheServiceReportsNoLag() throws Exception {
        shard.likeDynamoDbStreams();
        clock.set(T0.minusSeconds(60));
        shard.append(3);
        clock.set(T0.plusSeconds(1));
        shard.append(1);
        IteratorShardReader<String> reader = open(new ReadStart.AtTimestamp(T0));

        FetchResult<String> first = reader.fetch(2);

        assertThat(sequenceNumbers(first)).containsExactly("4");
        assertThat(shard.opens()).containsExactly(new ReadStart.AtTimestamp(T0));
    }

    @Test
    void throttledCallsBackOffExponentiallyAndRetryTheSameIterator() throws Exception {
        shard.append(3);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());
        shard.failNextGetRecords(new FakeShard.Throttled(), new FakeShard.Throttled());

        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1", "2", "3");
        assertThat(shard.iteratorsRead()).hasSize(3).containsOnly(shard.iteratorsRead().getFirst());
        assertThat(shard.opens()).hasSize(1);
        // 1 s then 2 s, each ±50%; the backoff outlasts the 200 ms pacing, so the pacer adds no wait.
        assertThat(sleeps).hasSize(2);
        assertThat(sleeps.get(0)).isBetween(500 * MS, 1_500 * MS);
        assertThat(sleeps.get(1)).isBetween(1_000 * MS, 3_000 * MS);
    }

    @Test
    void aThrottledOpenBacksOffAndOpensAgain() throws Exception {
        shard.append(1);
        shard.failNextOpens(new FakeShard.Throttled());

        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1");
        assertThat(shard.opens()).containsExactly(new ReadStart.TrimHorizon(), new ReadStart.TrimHorizon());
        assertThat(sleeps).singleElement().satisfies(wait -> assertThat(wait).isBetween(500 * MS, 1_500 * MS));
    }

    /**
     * A shard throttled for long (another application reads it, and the shard's read limits are shared) must show in
     * the mapping's status, not only in a growing IteratorAge: every fifth throttled call in a row goes to the engine.
     */
    @Test
    void everyFifthThrottledCallInARowIsThrownSoThatTheStatusShowsIt() throws Exception {
        shard.append(2);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());
        shard.failNextGetRecords(new FakeShard.Throttled(), new FakeShard.Throttled(), new FakeShard.Throttled(),
                new FakeShard.Throttled(), new FakeShard.Throttled());

        assertThatThrownBy(() -> reader.fetch(10)).isInstanceOfSatisfying(ShardThrottledException.class,
                thrown -> {
                    assertThat(thrown.inARow()).isEqualTo(5);
                    assertThat(thrown).hasMessageStartingWith("throttled 5 times in a row (GetRecords: Throttled: ")
                            .hasMessageContaining("another consumer may be reading the shard")
                            .hasCauseInstanceOf(FakeShard.Throttled.class);
                });
        // Four backoffs, none after the fifth: the engine backs off before it reads again.
        assertThat(sleeps).hasSize(4);
        // Nothing was lost: the same iterator carries on.
        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1", "2");
        assertThat(shard.opens()).hasSize(1);
    }

    @Test
    void fourThrottledCallsInARowAreOnlyBackedOff() throws Exception {
        shard.append(1);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());
        shard.failNextGetRecords(new FakeShard.Throttled(), new FakeShard.Throttled(), new FakeShard.Throttled(),
                new FakeShard.Throttled());

        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1");
        assertThat(sleeps).hasSize(4);
    }

    @Test
    void anOpenThrottledFiveTimesInARowIsThrown() {
        shard.failNextOpens(new FakeShard.Throttled(), new FakeShard.Throttled(), new FakeShard.Throttled(),
                new FakeShard.Throttled(), new FakeShard.Throttled());

        assertThatThrownBy(() -> open(new ReadStart.TrimHorizon())).isInstanceOf(ShardThrottledException.class)
                .hasMessageStartingWith("throttled 5 times in a row (GetShardIterator: ");
    }

    /**
     * The engine opens a reader, then waits for room in the shard's buffer: behind a slow handler the first page is
     * asked for after the iterator's 5-minute lifetime. That expiry is renewed, not thrown at every reopen.
     */
    @Test
    void aFreshIteratorThatOutlivedItsLifetimeUnusedIsRenewed() throws Exception {
        shard.append(2);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        nanos += Duration.ofMinutes(5).plusSeconds(1).toNanos();
        shard.expireIterators();

        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1", "2");
        assertThat(shard.opens()).containsExactly(new ReadStart.TrimHorizon(), new ReadStart.TrimHorizon());
    }

    @Test
    void aRenewedIteratorThatExpiresAtOnceStillGoesToTheEngine() throws Exception {
        shard.append(2);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        nanos += Duration.ofMinutes(6).toNanos();
        shard.failNextGetRecords(new FakeShard.Expired(), new FakeShard.Expired());

        assertThatThrownBy(() -> reader.fetch(10)).isInstanceOf(FakeShard.Expired.class);
        assertThat(shard.opens()).hasSize(2);
        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1", "2");
    }

    @Test
    void getRecordsCallsAreSpacedByTheCallBudget() throws Exception {
        shard.append(1);
        shard.emptyPagesBehind(3);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1");
        assertThat(shard.getRecordsCalls()).isEqualTo(4);
        assertThat(sleeps).containsExactly(200 * MS, 200 * MS, 200 * MS);

        nanos += 150 * MS;
        reader.fetch(10);
        assertThat(sleeps).containsExactly(200 * MS, 200 * MS, 200 * MS, 50 * MS);
    }

    @Test
    void emptyReadsWhileBehindAreFollowedAtOnceButAFetchStopsAfterTheLimit() throws Exception {
        shard.append(1);
        shard.emptyPagesBehind(8);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        FetchResult<String> first = reader.fetch(10);

        assertThat(first.records()).isEmpty();
        assertThat(first.shardEnded()).isFalse();
        assertThat(first.millisBehindLatest()).isEqualTo(1_000);
        assertThat(shard.getRecordsCalls()).isEqualTo(5);
        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1");
        assertThat(shard.getRecordsCalls()).isEqualTo(9);
    }

    @Test
    void anEmptyFetchWhileBehindReportsALagAlsoWhenTheServiceReportsNone() throws Exception {
        shard.append(1);
        shard.emptyPagesBehind(8, -1);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        FetchResult<String> first = reader.fetch(10);

        // A lag of 0 or -1 would say the fetch reached the tail, which closes tumbling windows.
        assertThat(first.records()).isEmpty();
        assertThat(first.millisBehindLatest()).isPositive();
        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1");
    }

    @Test
    void anEmptyReadAtTheTailReturnsAtOnce() throws Exception {
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        FetchResult<String> result = reader.fetch(10);

        assertThat(result.records()).isEmpty();
        assertThat(result.millisBehindLatest()).isZero();
        assertThat(shard.getRecordsCalls()).isEqualTo(1);
    }

    @Test
    void anUnclassifiedFailureReachesTheEngineAndTheNextFetchCarriesOn() throws Exception {
        shard.append(2);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());
        IllegalStateException boom = new IllegalStateException("boom");
        shard.failNextGetRecords(boom);

        assertThatThrownBy(() -> reader.fetch(10)).isSameAs(boom);
        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1", "2");
        assertThat(shard.iteratorsRead()).hasSize(2).containsOnly(shard.iteratorsRead().getFirst());
        assertThat(shard.opens()).hasSize(1);
    }

    @Test
    void anUnclassifiedFailureToOpenReachesTheCaller() {
        IllegalStateException boom = new IllegalStateException("boom");
        shard.failNextOpens(boom);

        assertThatThrownBy(() -> open(new ReadStart.TrimHorizon())).isSameAs(boom);
    }

    @Test
    void anIteratorExpiredBeforeItsFirstPageGoesToTheEngineInsteadOfBeingRenewedInALoop() throws Exception {
        shard.append(2);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());
        shard.failNextGetRecords(new FakeShard.Expired(), new FakeShard.Expired());

        assertThatThrownBy(() -> reader.fetch(10)).isInstanceOf(FakeShard.Expired.class);
        assertThatThrownBy(() -> reader.fetch(10)).isInstanceOf(FakeShard.Expired.class);
        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1", "2");
        assertThat(shard.opens()).hasSize(3).containsOnly(new ReadStart.TrimHorizon());
    }

    @Test
    void aTrimmedStartReadsFromTrimHorizon() throws Exception {
        shard.append(5);
        shard.trimBelow(3);

        IteratorShardReader<String> reader = open(new ReadStart.AfterSequenceNumber("1"));

        FetchResult<String> first = reader.fetch(2);
        assertThat(sequenceNumbers(first)).containsExactly("3", "4");
        assertThat(first.positionExpired()).as("record 2 expired unread").isTrue();
        FetchResult<String> second = reader.fetch(10);
        assertThat(sequenceNumbers(second)).containsExactly("5");
        assertThat(second.positionExpired()).as("reported once").isFalse();
        assertThat(shard.opens()).containsExactly(new ReadStart.AfterSequenceNumber("1"), new ReadStart.TrimHorizon());
    }

    @Test
    void aTrimmedReadRenewsAfterTheLastRecordHandedOut() throws Exception {
        shard.append(4);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());
        assertThat(sequenceNumbers(reader.fetch(2))).containsExactly("1", "2");
        shard.failNextGetRecords(new FakeShard.Trimmed());

        FetchResult<String> renewed = reader.fetch(10);
        assertThat(sequenceNumbers(renewed)).containsExactly("3", "4");
        assertThat(renewed.positionExpired()).as("the position after record 2 was still there").isFalse();
        assertThat(shard.opens()).last().isEqualTo(new ReadStart.AfterSequenceNumber("2"));
    }

    @Test
    void anInterruptedReaderStopsBeforeCalling() throws Exception {
        shard.append(1);
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        Thread.currentThread().interrupt();

        assertThatThrownBy(() -> reader.fetch(10)).isInstanceOf(InterruptedException.class);
        assertThat(shard.getRecordsCalls()).isZero();
        assertThat(sequenceNumbers(reader.fetch(10))).containsExactly("1");
    }

    @Test
    void rejectsANonPositiveMaxRecords() throws Exception {
        IteratorShardReader<String> reader = open(new ReadStart.TrimHorizon());

        assertThatThrownBy(() -> reader.fetch(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxRecords").hasMessageContaining("0");
    }

    private IteratorShardReader<String> open(ReadStart start) throws Exception {
        return IteratorShardReader.open("stream", "shard-0", start, shard, SETTINGS, clock, () -> nanos, wait -> {
            sleeps.add(wait);
            nanos += wait;
        });
    }

    private static List<String> sequenceNumbers(FetchResult<String> result) {
        return result.records().stream().map(StreamRecord::sequenceNumber).toList();
    }
}

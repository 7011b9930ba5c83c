package io.esm4j.kinesis;

import static io.esm4j.kinesis.KinesisSourceContract.assertInOrderPerKey;
import static io.esm4j.kinesis.KinesisSourceContract.assertInPutOrderPerShard;
import static io.esm4j.kinesis.KinesisSourceContract.eventually;
import static io.esm4j.kinesis.KinesisSourceContract.fast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.StartingPosition;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.polling.Page;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.DescribeStreamSummaryRequest;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/** Where reading starts, order per shard and per key, the GetRecords budget, and KPL de-aggregation. */
interface ReadingTests {

    KinesisSourceContract fixture();

    @Test
    default void theRetentionIsReadFromTheStreamAndAgainWithEveryListing() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(1);
        KinesisStreamSource source = f.source(stream);
        assertThat(source.retention()).contains(Duration.ofHours(24));

        f.kinesis.increaseStreamRetentionPeriod(r -> r.streamName(stream).retentionPeriodHours(48));
        TestStreams.awaitActive(f.kinesis, stream);
        source.listShards();

        assertThat(source.retention()).contains(Duration.ofHours(48));
    }

    @Test
    default void everyCallNamesTheStreamByItsArnNeverByItsName() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(1);
        TestStreams.putNumbered(f.kinesis, stream, 0, 3, 1);
        KinesisStreamSource source = f.source(stream);
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>succeeding();
        f.start(f.mapping("by-arn", source, handler).settings(fast().build()));
        eventually().until(() -> handler.succeededCount() >= 3);

        // By name, Kinesis looks in the client's account and region, which may hold another stream of that name.
        assertThat(f.faults.requests(ListShardsRequest.class)).filteredOn(r -> r.nextToken() == null)
                .isNotEmpty().allSatisfy(r -> {
                    assertThat(r.streamARN()).isEqualTo(source.streamArn());
                    assertThat(r.streamName()).isNull();
                });
        List<DescribeStreamSummaryRequest> describes = f.faults.requests(DescribeStreamSummaryRequest.class);
        assertThat(describes.subList(1, describes.size())).as("after the build, which had a name").isNotEmpty().allSatisfy(r -> assertThat(r.streamARN()).isEqualTo(source.streamArn()));
        assertThat(f.faults.shardIteratorRequests()).allSatisfy(r -> {
            assertThat(r.streamARN()).isEqualTo(source.streamArn());
            assertThat(r.streamName()).isNull();
        });
        assertThat(f.faults.requests(GetRecordsRequest.class))
                .allSatisfy(r -> assertThat(r.streamARN()).isEqualTo(source.streamArn()));
    }

    @Test
    default void aStreamArnOfAnotherRegionIsNotReadAsTheClientRegionsStreamOfThatName() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(1);
        String arn = f.source(stream).streamArn();
        String otherRegion = arn.replace(":" + f.region().id() + ":", ":eu-west-1:");
        assertThat(otherRegion).isNotEqualTo(arn);
        // The client has an endpoint override, so the ARN's region is not refused at build time.
        KinesisStreamSource source = KinesisStreamSource.builder(f.kinesis).streamArn(otherRegion).build();

        assertThatThrownBy(source::listShards).isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    default void trimHorizonDeliversEveryRecordOnceInPutOrderPerShard() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(2);
        List<TestStreams.Put> puts = TestStreams.putNumbered(f.kinesis, stream, 0, 200, 20);
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>succeeding();
        KinesisStreamSource source = f.source(stream);
        f.start(f.mapping("trim-horizon", source, handler).settings(fast().batchSize(50).build()));

        eventually().until(() -> handler.succeededCount() >= 200);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).hasSize(200).doesNotHaveDuplicates();
        assertInPutOrderPerShard(puts, handler.succeededPayloads());
        TestStreams.Put put = puts.getFirst();
        KinesisRecord first = handler.succeededPayloads().stream()
                .filter(r -> r.kinesis().sequenceNumber().equals(put.sequenceNumber())).findFirst().orElseThrow();
        assertThat(first.eventID()).isEqualTo(put.shardId() + ":" + put.sequenceNumber());
        assertThat(first.eventSourceARN()).isEqualTo(source.streamArn()).endsWith(":stream/" + stream);
        assertThat(first.awsRegion()).isEqualTo(f.region().id());
        assertThat(first.eventSource()).isEqualTo("aws:kinesis");
        assertThat(first.eventName()).isEqualTo("aws:kinesis:record");
        assertThat(first.invokeIdentityArn()).startsWith("arn:aws:iam::").endsWith(":role/esm4j");
        assertThat(first.kinesis().partitionKey()).isEqualTo("k0");
        assertThat(first.dataAsString()).isEqualTo("r0");
        assertThat(first.kinesis().approximateArrivalTimestamp()).isBefore(Instant.now());
        assertThat(handler.invocations()).allSatisfy(batch -> {
            assertThat(batch.size()).isLessThanOrEqualTo(50);
            assertThat(batch.records()).allSatisfy(r -> assertThat(r.shardId()).isEqualTo(batch.partition()));
        });
    }

    @Test
    default void latestDeliversOnlyRecordsPutAfterTheStart() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(2);
        TestStreams.putNumbered(f.kinesis, stream, 0, 20, 4);
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>succeeding();
        f.start(f.mapping("latest", f.source(stream), handler)
                .settings(fast().startingPosition(StartingPosition.LATEST).build()));
        // LATEST means "after the newest record when the iterator was issued": wait until both shards have one.
        eventually().until(() -> f.faults.shardIteratorsIssued() >= 2);

        List<TestStreams.Put> puts = TestStreams.putNumbered(f.kinesis, stream, 20, 20, 4);
        eventually().until(() -> handler.succeededCount() >= 20);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).containsExactlyInAnyOrderElementsOf(
                puts.stream().map(TestStreams.Put::data).toList());
        assertInPutOrderPerShard(puts, handler.succeededPayloads());
    }

    @Test
    default void atTimestampStartsAtTheFirstRecordThatArrivedAtOrAfterIt() throws InterruptedException {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(2);
        TestStreams.putNumbered(f.kinesis, stream, 0, 20, 4);
        // Arrival times have millisecond precision: keep the timestamp clear of both groups of records.
        Thread.sleep(5);
        Instant between = Instant.now();
        Thread.sleep(5);
        List<TestStreams.Put> puts = TestStreams.putNumbered(f.kinesis, stream, 20, 20, 4);
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>succeeding();
        f.start(f.mapping("at-timestamp", f.source(stream), handler)
                .settings(fast().startingPositionAtTimestamp(between).build()));

        eventually().until(() -> handler.succeededCount() >= 20);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).containsExactlyInAnyOrderElementsOf(
                puts.stream().map(TestStreams.Put::data).toList());
        assertInPutOrderPerShard(puts, handler.succeededPayloads());
    }

    @Test
    default void parallelizationFactor10KeepsEachPartitionKeyInOrderOver4Shards() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(4);
        TestStreams.putNumbered(f.kinesis, stream, 0, 400, 40);
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>succeeding().behave(batch -> {
            Thread.sleep(2);
            return BatchResult.success();
        });
        f.start(f.mapping("pf10", f.source(stream), handler)
                .settings(fast().parallelizationFactor(10).batchSize(10).build()));

        eventually().until(() -> handler.succeededCount() >= 400);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).hasSize(400).doesNotHaveDuplicates();
        assertInOrderPerKey(handler.succeededPayloads());
        assertThat(handler.succeededPayloads().stream().map(KinesisSourceContract::shardOf).distinct()).hasSize(4);
    }

    @Test
    default void pollingAtTheTailStaysWithinTheGetRecordsBudget() {
        KinesisSourceContract f = fixture();
        assumeFalse(f.fanOut(), "GetRecords only");
        String stream = f.newStream(1);
        KinesisStreamSource source = f.source(stream, KinesisSourceSettings.builder().getRecordsPerSecondPerShard(2));
        // With no idle wait at all, only the budget keeps the reader from calling GetRecords in a tight loop.
        f.start(f.mapping("budget", source, RecordingHandler.<KinesisRecord>succeeding())
                .settings(fast().idlePollInterval(Duration.ZERO).build()));

        eventually().until(() -> f.faults.getRecordsNanos().size() >= 6);
        List<Long> calls = f.faults.getRecordsNanos();
        long spanMillis = TimeUnit.NANOSECONDS.toMillis(calls.getLast() - calls.getFirst());
        // Calls are paced 500 ms apart; the slack covers the SDK's own work between the pacer and the interceptor.
        assertThat(spanMillis).isGreaterThanOrEqualTo((calls.size() - 1) * 500L - 100);
    }

    @Test
    default void kplAggregatesReachTheHandlerAsTheirUserRecords() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(1);
        String first = TestStreams.putBytes(f.kinesis, stream, "agg-1", KplEncoder.aggregate(List.of(
                new KplEncoder.UserRecord("k1", "a0"), new KplEncoder.UserRecord("k2", "a1"),
                new KplEncoder.UserRecord("k3", "a2"), new KplEncoder.UserRecord("k1", "a3"))));
        String plain = TestStreams.putBytes(f.kinesis, stream, "p", "p0".getBytes());
        String second = TestStreams.putBytes(f.kinesis, stream, "agg-2", KplEncoder.aggregate(List.of(
                new KplEncoder.UserRecord("k4", "b0"),
                new KplEncoder.UserRecord("k5", "170141183460469231731687303715884105728", "b1"))));
        RecordingHandler<KinesisRecord> handler = RecordingHandler.<KinesisRecord>succeeding();
        f.start(f.mapping("kpl", f.source(stream), handler).settings(fast().build()));

        eventually().until(() -> handler.succeededCount() >= 7);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).containsExactly("a0", "a1", "a2", "a3", "p0", "b0", "b1");
        assertThat(handler.succeededPayloads()).extracting(r -> r.kinesis().sequenceNumber()).containsExactly(
                first + "/0", first + "/1", first + "/2", first + "/3", plain, second + "/0", second + "/1");
        assertThat(handler.succeededPayloads()).extracting(r -> r.kinesis().partitionKey())
                .containsExactly("k1", "k2", "k3", "k1", "p", "k4", "k5");
        KinesisRecord subRecord = handler.succeededPayloads().get(1);
        assertThat(subRecord.eventID()).isEqualTo(KinesisSourceContract.shardOf(subRecord) + ":" + first + "/1");
    }

    @Test
    default void aMappingRestartedWithACheckpointInsideAnAggregateResumesAtTheNextUserRecord() throws Exception {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(1);
        String aggregate = TestStreams.putBytes(f.kinesis, stream, "agg", KplEncoder.aggregate(List.of(
                new KplEncoder.UserRecord("k1", "a0"), new KplEncoder.UserRecord("k2", "a1"),
                new KplEncoder.UserRecord("k3", "a2"), new KplEncoder.UserRecord("k4", "a3"))));
        TestStreams.putBytes(f.kinesis, stream, "p", "p0".getBytes());
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        // The first run completes [a0, a1] and keeps failing [a2, a3]: its checkpoint is inside the aggregate.
        RecordingHandler<KinesisRecord> first = RecordingHandler.<KinesisRecord>succeeding().behave(batch -> {
            if (!batch.records().getFirst().payload().dataAsString().equals("a0")) {
                throw new IllegalStateException("not now");
            }
            return BatchResult.success();
        });
        String shardId = f.source(stream).listShards().getFirst().shardId();
        EventSourceMapping<KinesisRecord> mapping = f.start(f.mapping("kpl-resume", f.source(stream), first)
                .leaseStore(store).settings(fast().batchSize(2).build()));
        eventually().until(() -> store.checkpoint("kpl-resume", shardId)
                .equals(Optional.of(new Checkpoint.AtSequenceNumber(aggregate + "/1"))));
        mapping.stop(Duration.ofSeconds(10));

        RecordingHandler<KinesisRecord> second = RecordingHandler.<KinesisRecord>succeeding();
        f.start(f.mapping("kpl-resume", f.source(stream), second).leaseStore(store)
                .settings(fast().batchSize(2).build()));
        eventually().until(() -> second.succeededCount() >= 3);
        assertThat(second.succeededPayloads(KinesisRecord::dataAsString)).containsExactly("a2", "a3", "p0");
        assertThat(f.faults.readsOpened()).extracting(FaultInjector.ReadOpened::type)
                .contains(ShardIteratorType.AT_SEQUENCE_NUMBER);
    }

    /**
     * A reader resumes inside an aggregate without skipping or repeating a user record, never hands out more than
     * asked, and renews an iterator that expired after part of an aggregate was handed out.
     */
    @Test
    default void aPageOfAggregatesIsExpandedOnlyAsFarAsTheLimitAndTheRestIsReadNext() throws Exception {
        KinesisSourceContract f = fixture();
        assumeFalse(f.fanOut(), "GetRecords only");
        String stream = f.newStream(1);
        List<String> expected = new java.util.ArrayList<>();
        for (int a = 0; a < 3; a++) {
            List<KplEncoder.UserRecord> users = new java.util.ArrayList<>();
            for (int u = 0; u < 100; u++) {
                users.add(new KplEncoder.UserRecord("k" + u, a + "-" + u));
                expected.add(a + "-" + u);
            }
            TestStreams.putBytes(f.kinesis, stream, "agg-" + a, KplEncoder.aggregate(users));
        }
        TestStreams.putBytes(f.kinesis, stream, "p", "plain".getBytes());
        expected.add("plain");
        KinesisStreamSource source = f.source(stream);
        String shardId = source.listShards().getFirst().shardId();
        KinesisShardReader calls = new KinesisShardReader(f.kinesis, source.streamArn(), shardId,
                new RecordConverter(shardId, "arn:aws:iam::1:role/r", f.region().id(), source.streamArn()));

        Page<KinesisRecord> first = calls.getRecords(calls.openIterator(new ReadStart.TrimHorizon()), 10);

        // One aggregate, not the 300 user records of the three the call returned: what a reader holds stays near
        // what the engine has room for.
        assertThat(first.records().size()).isEqualTo(100);
        List<String> read = new java.util.ArrayList<>(data(first.records()));
        String iterator = first.nextIterator();
        for (int call = 0; call < 20 && read.size() < expected.size(); call++) {
            Page<KinesisRecord> page = calls.getRecords(iterator, 10);
            assertThat(page.records().size()).isLessThanOrEqualTo(100);
            read.addAll(data(page.records()));
            iterator = page.nextIterator();
        }
        assertThat(read).as("nothing skipped or read twice").containsExactlyElementsOf(expected);
    }

    @Test
    default void afterALargePageTheNextCallWaitsForTheShardsReadLimitInsteadOfBeingThrottled() throws Exception {
        KinesisSourceContract f = fixture();
        assumeFalse(f.fanOut(), "GetRecords only");
        String stream = f.newStream(1);
        byte[] quarter = new byte[256 << 10];
        for (int i = 0; i < 4; i++) {
            TestStreams.putBytes(f.kinesis, stream, "k", quarter);
        }
        KinesisStreamSource source = f.source(stream);
        String shardId = source.listShards().getFirst().shardId();
        KinesisShardReader calls = new KinesisShardReader(f.kinesis, source.streamArn(), shardId,
                new RecordConverter(shardId, "arn:aws:iam::1:role/r", f.region().id(), source.streamArn()));
        f.faults.throttleReadsAtTwoMebibytesPerSecond();

        Page<KinesisRecord> large = calls.getRecords(calls.openIterator(new ReadStart.TrimHorizon()), 100);
        Page<KinesisRecord> next = calls.getRecords(large.nextIterator(), 100);

        // 1 MiB at 2 MiB a second: the next call waits half a second rather than being refused.
        assertThat(large.records()).hasSize(4);
        assertThat(next.records()).isEmpty();
        assertThat(f.faults.throttledReads()).isZero();
    }

    @Test
    default void readerResumesInsideAnAggregateAndRenewsAnExpiredIteratorThere() throws Exception {
        KinesisSourceContract f = fixture();
        assumeFalse(f.fanOut(), "GetRecords only");
        String stream = f.newStream(1);
        String aggregate = TestStreams.putBytes(f.kinesis, stream, "agg", KplEncoder.aggregate(List.of(
                new KplEncoder.UserRecord("k1", "a0"), new KplEncoder.UserRecord("k2", "a1"),
                new KplEncoder.UserRecord("k3", "a2"), new KplEncoder.UserRecord("k4", "a3"))));
        TestStreams.putBytes(f.kinesis, stream, "p", "p0".getBytes());
        KinesisStreamSource source = f.source(stream);
        String shardId = source.listShards().getFirst().shardId();

        try (ShardReader<KinesisRecord> resumed = source.openReader(shardId,
                new ReadStart.AfterSequenceNumber(aggregate + "/1"))) {
            assertThat(data(resumed.fetch(1))).containsExactly("a2");
            assertThat(data(resumed.fetch(10))).containsExactly("a3");
            assertThat(data(resumed.fetch(10))).containsExactly("p0");
        }
        try (ShardReader<KinesisRecord> pastAggregate = source.openReader(shardId,
                new ReadStart.AfterSequenceNumber(aggregate + "/3"))) {
            assertThat(data(pastAggregate.fetch(10))).containsExactly("p0");
        }
        try (ShardReader<KinesisRecord> reader = source.openReader(shardId, new ReadStart.TrimHorizon())) {
            // GetRecords with limit 1 returns the aggregate alone; the reader keeps what it did not hand out.
            assertThat(data(reader.fetch(1))).containsExactly("a0");
            int callsSoFar = f.faults.getRecordsCalls();
            f.faults.failGetRecords(call -> call == callsSoFar + 1
                    ? ExpiredIteratorException.builder().message("injected").build() : null);
            assertThat(data(reader.fetch(3))).containsExactly("a1", "a2", "a3");
            assertThat(f.faults.getRecordsCalls()).isEqualTo(callsSoFar);
            assertThat(data(reader.fetch(10))).containsExactly("p0");
            assertThat(f.faults.injected()).isEqualTo(1);
            assertThat(f.faults.shardIteratorRequests().getLast().startingSequenceNumber()).isEqualTo(aggregate);
        }
    }

    private static List<String> data(FetchResult<KinesisRecord> result) {
        return data(result.records());
    }

    private static List<String> data(List<StreamRecord<KinesisRecord>> records) {
        return records.stream().map(StreamRecord::payload).map(KinesisRecord::dataAsString).toList();
    }
}

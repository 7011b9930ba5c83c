package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Checkpointing (docs/design.md guarantee 1): only the contiguous prefix of completed records is checkpointed, so a
 * restart resumes right after it and re-reads everything not covered, and nothing before it.
 */
class CheckpointTest {

    // With ParallelizationFactor 2 these two keys land in different lanes ("a".hashCode() is odd, "b"'s even). If
    // the lane assignment changed so that they shared a lane, the awaits below would time out: the test fails
    // loudly rather than passing for the wrong reason.
    private static final String BLOCKED_KEY = "a";
    private static final String OTHER_KEY = "b";

    @Test
    void onlyTheContiguousCompletedPrefixIsCheckpointed() throws Exception {
        InMemoryStream stream = InMemoryStream.create("prefix", 1);
        String shardId = stream.openShardIds().getFirst();
        String b0 = stream.put(OTHER_KEY, "b0").sequenceNumber();
        String blocked = stream.put(BLOCKED_KEY, "a1").sequenceNumber();
        for (int i = 1; i <= 20; i++) {
            stream.put(OTHER_KEY, "b" + i);
        }
        String last = stream.records(shardId).getLast().sequenceNumber();
        CountDownLatch release = new CountDownLatch(1);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.records().stream().anyMatch(r -> r.sequenceNumber().equals(blocked))) {
                release.await(30, TimeUnit.SECONDS);
            }
            return BatchResult.success();
        });
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("prefix", stream, handler)
                .settings(Streams.fast().batchSize(5).parallelizationFactor(2).build())
                .leaseStore(store).build();
        mapping.start();
        try {
            // The other lane finishes every later record while the earliest-but-one is held.
            await().until(() -> handler.succeededPayloads(Streams::utf8).size() == 21);
            assertThat(handler.succeededPayloads(Streams::utf8)).noneMatch(d -> d.equals("a1"));
            assertThat(store.load("prefix", shardId)).contains(new Checkpoint.AtSequenceNumber(b0));
            assertThat(store.saves()).allSatisfy(save -> assertThat(save.checkpoint())
                    .isEqualTo(new Checkpoint.AtSequenceNumber(b0)));

            release.countDown();
            await().until(() -> last.equals(store.sequenceNumber("prefix", shardId)));
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }
        assertThat(store.saves()).extracting(save -> ((Checkpoint.AtSequenceNumber) save.checkpoint())
                .sequenceNumber()).isSorted().doesNotContain(blocked);
        assertThat(handler.succeeded()).hasSize(22);
    }

    @Test
    void aStuckLaneHoldsTheReaderAtTheBufferBoundInsteadOfLosingRecords() throws Exception {
        // The records after the oldest unfinished one cannot be checkpointed, however many of them are done. With a
        // buffer of 10 and one lane stuck on its first record, the other lane may finish 9 and then reading must
        // wait: the records read must stay within the bound, and all of them must arrive once the lane moves.
        InMemoryStream stream = InMemoryStream.create("stuck-lane", 1);
        String shardId = stream.openShardIds().getFirst();
        String blocked = stream.put(BLOCKED_KEY, "a1").sequenceNumber();
        for (int i = 1; i <= 40; i++) {
            stream.put(OTHER_KEY, "b" + i);
        }
        String last = stream.records(shardId).getLast().sequenceNumber();
        CountDownLatch release = new CountDownLatch(1);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.records().stream().anyMatch(r -> r.sequenceNumber().equals(blocked))) {
                release.await(30, TimeUnit.SECONDS);
            }
            return BatchResult.success();
        });
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("stuck-lane", stream, handler)
                .settings(Streams.fast().batchSize(3).parallelizationFactor(2).maxBufferedRecordsPerShard(10).build())
                .leaseStore(store).meterRegistry(registry).build();
        mapping.start();
        try {
            await().until(() -> handler.succeededPayloads(Streams::utf8).size() == 9);
            // Nothing is checkpointable while a1 is held, so nothing more may be read.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> registry.get(MetricNames.POLLED_EVENT_COUNT).counter().count() <= 10);
            assertThat(store.saves()).isEmpty();

            release.countDown();
            await().until(() -> last.equals(store.sequenceNumber("stuck-lane", shardId)));
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }
        List<String> expected = new ArrayList<>();
        expected.add("a1");
        IntStream.rangeClosed(1, 40).forEach(i -> expected.add("b" + i));
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aRestartResumesAfterTheCheckpointNotAtTheStartingPosition() throws Exception {
        InMemoryStream stream = InMemoryStream.create("restart", 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 100, 10);
        String r59 = stream.records(shardId).get(59).sequenceNumber();
        RecordingLeaseStore store = new RecordingLeaseStore();

        // Run 1: every batch from r60 on fails, with unlimited retries, so the shard stops at r59.
        RecordingHandler<byte[]> first = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("r60"));
        EventSourceMapping<byte[]> run1 = EventSourceMapping.builder("restart", stream, first)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(store).build();
        StopResult result;
        run1.start();
        try {
            await().until(() -> r59.equals(store.sequenceNumber("restart", shardId))
                    && first.invocations().stream().filter(b -> Streams.text(b.records().getFirst())
                            .equals("r60")).count() >= 3);
        } finally {
            result = run1.stop(Duration.ofSeconds(10));
        }
        assertThat(result.drainedInTime()).isTrue();
        assertThat(result.checkpoints()).isEqualTo(Map.of(shardId, new Checkpoint.AtSequenceNumber(r59)));
        assertThat(result.recordsNotProcessed()).isEqualTo(40);
        assertThat(result.shardsWithUnsavedCheckpoint()).isEmpty();
        assertThat(store.sequenceNumber("restart", shardId)).isEqualTo(r59);
        assertThat(first.succeededPayloads(Streams::utf8))
                .containsExactlyElementsOf(IntStream.range(0, 60).mapToObj(i -> "r" + i).toList());

        // Records keep arriving while nothing runs.
        IntStream.range(100, 110).forEach(i -> stream.put("k" + (i % 10), "r" + i));

        // Run 2: a new mapping with the same name and store picks up at r60, not at TRIM_HORIZON.
        RecordingHandler<byte[]> second = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> run2 = EventSourceMapping.builder("restart", stream, second)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(store).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        run2.start();
        try {
            await().until(() -> last.equals(store.sequenceNumber("restart", shardId)));
        } finally {
            result = run2.stop(Duration.ofSeconds(10));
        }
        assertThat(second.succeededPayloads(Streams::utf8))
                .containsExactlyElementsOf(IntStream.range(60, 110).mapToObj(i -> "r" + i).toList());
        assertThat(second.invocations()).allSatisfy(batch -> assertThat(batch.records())
                .allSatisfy(r -> assertThat(r.sequenceNumber()).isGreaterThan(r59)));
        assertThat(result.checkpoints()).isEqualTo(Map.of(shardId, new Checkpoint.AtSequenceNumber(last)));
        assertThat(result.recordsNotProcessed()).isZero();
    }

    @Test
    void aRestartReReadsRecordsDoneOutOfOrderAfterTheCheckpoint() throws Exception {
        InMemoryStream stream = InMemoryStream.create("restart-pf", 1);
        String shardId = stream.openShardIds().getFirst();
        String b0 = stream.put(OTHER_KEY, "b0").sequenceNumber();
        stream.put(BLOCKED_KEY, "a1");
        for (int i = 1; i <= 20; i++) {
            stream.put(OTHER_KEY, "b" + i);
        }
        RecordingLeaseStore store = new RecordingLeaseStore();

        // Run 1: a1 fails forever; its lane is stuck while the other lane completes b1..b20 beyond it.
        RecordingHandler<byte[]> first = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("a1"));
        EventSourceMapping<byte[]> run1 = EventSourceMapping.builder("restart-pf", stream, first)
                .settings(Streams.fast().batchSize(5).parallelizationFactor(2).build())
                .leaseStore(store).build();
        StopResult result;
        run1.start();
        try {
            await().until(() -> first.succeededPayloads(Streams::utf8).size() == 21);
        } finally {
            result = run1.stop(Duration.ofSeconds(10));
        }
        assertThat(result.drainedInTime()).isTrue();
        assertThat(result.checkpoints()).isEqualTo(Map.of(shardId, new Checkpoint.AtSequenceNumber(b0)));
        // a1 and the 20 records behind it: done or not, none is covered by the checkpoint.
        assertThat(result.recordsNotProcessed()).isEqualTo(21);

        // Run 2 reads from a1 on again: a1 itself and every b after it, which run 1 had already done.
        RecordingHandler<byte[]> second = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> run2 = EventSourceMapping.builder("restart-pf", stream, second)
                .settings(Streams.fast().batchSize(5).parallelizationFactor(2).build())
                .leaseStore(store).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        run2.start();
        try {
            await().until(() -> last.equals(store.sequenceNumber("restart-pf", shardId)));
        } finally {
            Streams.stopQuietly(run2);
        }
        List<String> expected = new ArrayList<>();
        expected.add("a1");
        IntStream.rangeClosed(1, 20).forEach(i -> expected.add("b" + i));
        assertThat(second.succeededPayloads(Streams::utf8)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(second.succeededPayloads(Streams::utf8).stream().filter(d -> d.startsWith("b")).toList())
                .containsExactlyElementsOf(expected.subList(1, expected.size()));
    }
}

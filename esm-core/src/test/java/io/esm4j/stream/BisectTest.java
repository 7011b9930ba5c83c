package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * BisectBatchOnFunctionError (docs/lambda-semantics.md §2.3, §10.1): a failed batch is split in halves until the
 * failing record is alone; splitting does not consume the retry quota (unless BisectConsumesRetryQuota); the isolated
 * record then gets MaximumRetryAttempts + 1 invocations and goes to the destination, and nothing else does.
 */
class BisectTest {

    private static final String POISON = "r37";

    @Test
    void aPoisonRecordIsIsolatedAndOnlyItGoesToTheDestination() throws Exception {
        Run run = runWithPoison("bisect", Streams.fast().batchSize(100).bisectBatchOnFunctionError(true)
                .maximumRetryAttempts(2));
        StreamRecord<byte[]> poison = run.record(POISON);

        assertThat(run.handler.invocations().getFirst().size()).isEqualTo(100);
        assertThat(run.handler.succeededPayloads(Streams::utf8)).containsExactlyElementsOf(allBut(POISON));
        List<Batch<StreamRecord<byte[]>>> alone = run.handler.invocations().stream()
                .filter(b -> b.size() == 1 && b.records().getFirst().equals(poison)).toList();
        assertThat(alone).as("MaximumRetryAttempts 2 gives the isolated record 3 invocations").hasSize(3);

        FailureRecord failure = run.destination.received().getFirst();
        assertThat(run.destination.received()).hasSize(1);
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RetryAttemptsExhausted);
        assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(1);
        assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber()).isEqualTo(poison.sequenceNumber());
        assertThat(((StreamBatchInfo) failure.batchInfo()).endSequenceNumber()).isEqualTo(poison.sequenceNumber());
        assertThat(records(failure)).containsExactly(poison);
        long poisonInvocations = run.handler.invocations().stream().filter(b -> b.records().contains(poison)).count();
        assertThat(failure.requestContext().approximateInvokeCount()).isEqualTo((int) poisonInvocations);
        // Each failed invocation holding the poison halves its batch, until the poison is alone; then the retries.
        List<Integer> sizes = run.handler.invocations().stream().filter(b -> b.records().contains(poison))
                .map(Batch::size).toList();
        int firstAlone = sizes.indexOf(1);
        assertThat(sizes.subList(firstAlone, sizes.size())).containsExactly(1, 1, 1);
        for (int i = 1; i <= firstAlone; i++) {
            assertThat(sizes.get(i)).isBetween(sizes.get(i - 1) / 2, (sizes.get(i - 1) + 1) / 2);
        }
    }

    @Test
    void splittingDoesNotConsumeTheRetryQuota() throws Exception {
        Run run = runWithPoison("bisect-no-quota", Streams.fast().batchSize(100).bisectBatchOnFunctionError(true)
                .maximumRetryAttempts(0));
        StreamRecord<byte[]> poison = run.record(POISON);

        // With no retries at all, bisecting still narrows the failure down to the poison alone.
        assertThat(run.handler.succeededPayloads(Streams::utf8)).containsExactlyElementsOf(allBut(POISON));
        assertThat(run.handler.invocations().stream().filter(b -> b.size() == 1 && b.records().contains(poison)))
                .hasSize(1);
        assertThat(run.destination.received()).singleElement().satisfies(failure -> {
            assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(1);
            assertThat(records(failure)).containsExactly(poison);
        });
    }

    @Test
    void whenBisectConsumesTheQuotaTheWholeBatchIsGivenUpAtOnce() throws Exception {
        Run run = runWithPoison("bisect-quota", Streams.fast().batchSize(100).bisectBatchOnFunctionError(true)
                .bisectConsumesRetryQuota(true).maximumRetryAttempts(0));

        assertThat(run.handler.invocations()).singleElement().satisfies(b -> assertThat(b.size()).isEqualTo(100));
        assertThat(run.handler.succeeded()).isEmpty();
        List<StreamRecord<byte[]>> all = run.stream.records(run.shardId);
        assertThat(run.destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RetryAttemptsExhausted);
            assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(100);
            assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber()).isEqualTo(all.getFirst().sequenceNumber());
            assertThat(((StreamBatchInfo) failure.batchInfo()).endSequenceNumber()).isEqualTo(all.getLast().sequenceNumber());
            assertThat(records(failure)).containsExactlyElementsOf(all);
        });
    }

    @Test
    void eachKeyStaysInOrderAcrossBisection() throws Exception {
        InMemoryStream stream = InMemoryStream.create("bisect-order", 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 300, 12);
        Set<String> poisons = Set.of("r13", "r58", "r77", "r150", "r151", "r201", "r299");
        // One log, in the order things happen: a record invoked, finished by success, or finished by giving up.
        List<String[]> log = Collections.synchronizedList(new ArrayList<>());
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            batch.records().forEach(r -> log.add(new String[] {"invoked", r.partitionKey(), r.sequenceNumber()}));
            if (batch.records().stream().anyMatch(r -> poisons.contains(Streams.text(r)))) {
                throw new IllegalStateException("poison");
            }
            batch.records().forEach(r -> log.add(new String[] {"finished", r.partitionKey(), r.sequenceNumber()}));
            return BatchResult.success();
        });
        CollectingDestination collected = new CollectingDestination();
        FailureDestination destination = record -> {
            collected.send(record);
            record.records().forEach(r -> {
                StreamRecord<?> given = (StreamRecord<?>) r;
                log.add(new String[] {"finished", given.partitionKey(), given.sequenceNumber()});
            });
        };
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("bisect-order", stream, handler)
                .settings(Streams.fast().batchSize(50).parallelizationFactor(3).bisectBatchOnFunctionError(true)
                        .maximumRetryAttempts(1).build())
                .leaseStore(store).onFailure(destination).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        mapping.start();
        try {
            await().until(() -> last.equals(store.sequenceNumber("bisect-order", shardId)));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.succeeded()).hasSize(300 - poisons.size());
        assertThat(collected.received()).hasSize(poisons.size())
                .allSatisfy(f -> assertThat(((StreamBatchInfo) f.batchInfo()).batchSize()).isEqualTo(1));

        Map<String, List<String>> finished = new LinkedHashMap<>();
        Map<String, String> lastFinished = new HashMap<>();
        List<String> violations = new ArrayList<>();
        synchronized (log) {
            for (String[] event : log) {
                String key = event[1];
                String sequenceNumber = event[2];
                String before = lastFinished.get(key);
                if (event[0].equals("invoked")) {
                    // Nothing of a key is invoked once it, or a later record of the key, has finished.
                    if (before != null && sequenceNumber.compareTo(before) <= 0) {
                        violations.add(key + ": " + sequenceNumber + " invoked after " + before + " finished");
                    }
                } else {
                    finished.computeIfAbsent(key, k -> new ArrayList<>()).add(sequenceNumber);
                    lastFinished.put(key, sequenceNumber);
                }
            }
        }
        assertThat(violations).isEmpty();
        // Every key's records finish exactly once each, in sequence order, whether they succeeded or were given up.
        assertThat(finished).isEqualTo(ParallelizationTest.byKey(stream));
    }

    @Test
    void stopDoesNotBisectAFailedBatch() throws Exception {
        InMemoryStream stream = InMemoryStream.create("stop-no-bisect", 1);
        Streams.fill(stream, 64, 8);
        ObservedSource source = new ObservedSource(stream);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            // Fail once the stop has begun (the reader closes first): a split batch would be invoked after it.
            source.readerClosed().await(30, TimeUnit.SECONDS);
            throw new IllegalStateException("failed during stop");
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("stop-no-bisect", source, handler)
                .settings(Streams.fast().batchSize(64).bisectBatchOnFunctionError(true).build()).build();
        mapping.start();
        StopResult result;
        try {
            await().until(() -> handler.invocationCount() == 1);
        } finally {
            result = mapping.stop(Duration.ofSeconds(10));
        }
        // "Batches being invoked finish; a failed one is not retried": not even as halves.
        assertThat(handler.invocations()).extracting(Batch::size).containsExactly(64);
        assertThat(result.drainedInTime()).isTrue();
        assertThat(result.recordsNotProcessed()).isEqualTo(64);
        assertThat(result.checkpoints()).isEmpty();
    }

    private record Run(InMemoryStream stream, String shardId, RecordingHandler<byte[]> handler,
                       CollectingDestination destination) {
        StreamRecord<byte[]> record(String data) {
            return stream.records(shardId).stream().filter(r -> Streams.text(r).equals(data)).findFirst()
                    .orElseThrow();
        }
    }

    /** 100 records over 10 keys in one shard, r37 always failing; runs until the shard is checkpointed at r99. */
    private static Run runWithPoison(String name, io.esm4j.settings.StreamSettings.Builder settings)
            throws Exception {
        InMemoryStream stream = InMemoryStream.create(name, 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 100, 10);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals(POISON));
        CollectingDestination destination = new CollectingDestination();
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream, handler)
                .settings(settings.build()).leaseStore(store).onFailure(destination).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        mapping.start();
        try {
            await().until(() -> last.equals(store.sequenceNumber(name, shardId)));
        } finally {
            Streams.stopQuietly(mapping);
        }
        // Each record succeeded at most once.
        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates();
        return new Run(stream, shardId, handler, destination);
    }

    private static List<Object> records(FailureRecord failure) {
        return new ArrayList<>(failure.records());
    }

    private static List<String> allBut(String data) {
        return IntStream.range(0, 100).mapToObj(i -> "r" + i).filter(d -> !d.equals(data)).toList();
    }

    /**
     * Stop lets invocations in progress finish and retries no failed batch: a stop that comes while the first half of
     * a bisected batch is being invoked ends the bisection there. The second half, whose records failed in the
     * whole batch, is not invoked during the stop; it stays after the checkpoint for the next run.
     */
    @Test
    void aStopDuringTheFirstHalfDoesNotInvokeTheSecondHalf() throws Exception {
        InMemoryStream stream = InMemoryStream.create("bisect-stop", 1);
        Streams.fill(stream, 4, 4);
        AtomicReference<EventSourceMapping<byte[]>> ref = new AtomicReference<>();
        CountDownLatch inFirstHalf = new CountDownLatch(1);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.size() == 4) {
                throw new IllegalStateException("the whole batch fails");
            }
            if (inFirstHalf.getCount() > 0) {
                inFirstHalf.countDown();
                // Returns once the mapping is stopping: the stop comes while this half is invoked.
                await().until(() -> ref.get().state() == MappingState.DISABLING);
            }
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("bisect-stop", stream, handler)
                .settings(Streams.fast().batchSize(4).bisectBatchOnFunctionError(true).build()).build();
        ref.set(mapping);
        mapping.start();
        assertThat(inFirstHalf.await(10, TimeUnit.SECONDS)).isTrue();
        StopResult result = mapping.stop(Duration.ofSeconds(10));

        assertThat(result.drainedInTime()).isTrue();
        assertThat(handler.invocations()).extracting(Batch::size).containsExactly(4, 2);
        assertThat(result.recordsNotProcessed()).isEqualTo(2);
    }
}

package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.lease.Checkpoint;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stream failure handling (docs/lambda-semantics.md §2.3, §9): a function error fails and retries the entire batch, the
 * shard does not pass it, MaximumRetryAttempts N means N+1 invocations, and retries back off exponentially with jitter.
 */
class FailureTest {

    @Test
    void aThrownExceptionFailsTheWholeBatchAndTheWholeBatchIsRetried() throws Exception {
        InMemoryStream stream = InMemoryStream.create("whole-batch", 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 30, 4);
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            String first = Streams.text(batch.records().getFirst());
            if (batch.approximateInvokeCount() <= 2) {
                events.add("failed " + first);
                throw new IllegalStateException("fails twice");
            }
            events.add("succeeded " + first);
            return BatchResult.success();
        });
        // Checkpoints are written in the background: each one is checked when it is written, against what the
        // handler has finished by then.
        List<String> checkpoints = Collections.synchronizedList(new ArrayList<>());
        List<String> tooEarly = Collections.synchronizedList(new ArrayList<>());
        RecordingLeaseStore store = new RecordingLeaseStore().onSave((mapping, shard, checkpoint) -> {
            String sequenceNumber = ((Checkpoint.AtSequenceNumber) checkpoint).sequenceNumber();
            int index = Integer.parseInt(sequenceNumber) - 1;
            if (!events.contains("succeeded r" + (index - index % 10))) {
                tooEarly.add(sequenceNumber);
            }
            checkpoints.add(sequenceNumber);
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("whole-batch", stream, handler)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(store).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        mapping.start();
        try {
            await().until(() -> last.equals(store.sequenceNumber("whole-batch", shardId)));
        } finally {
            Streams.stopQuietly(mapping);
        }
        List<Batch<StreamRecord<byte[]>>> invocations = handler.invocations();
        assertThat(invocations).hasSize(9);
        for (int b = 0; b < 3; b++) {
            List<String> records = IntStream.range(b * 10, b * 10 + 10).mapToObj(i -> "r" + i).toList();
            for (int attempt = 0; attempt < 3; attempt++) {
                Batch<StreamRecord<byte[]>> batch = invocations.get(b * 3 + attempt);
                assertThat(batch.records()).extracting(Streams::text).containsExactlyElementsOf(records);
                assertThat(batch.approximateInvokeCount()).isEqualTo(attempt + 1);
            }
        }
        // No record of a failing batch is checkpointed: the checkpoint moves only past a whole succeeded batch.
        String r9 = stream.records(shardId).get(9).sequenceNumber();
        String r19 = stream.records(shardId).get(19).sequenceNumber();
        assertThat(events).containsExactly(
                "failed r0", "failed r0", "succeeded r0",
                "failed r10", "failed r10", "succeeded r10",
                "failed r20", "failed r20", "succeeded r20");
        assertThat(tooEarly).isEmpty();
        assertThat(checkpoints).isSubsetOf(r9, r19, last).contains(last).isSorted();
        assertThat(handler.succeededPayloads(Streams::utf8))
                .containsExactlyElementsOf(IntStream.range(0, 30).mapToObj(i -> "r" + i).toList());
    }

    @ParameterizedTest(name = "batch size {0}")
    @ValueSource(ints = {1, 10})
    void withFactorOneTheShardDoesNotPassAFailingRecord(int batchSize) throws Exception {
        InMemoryStream stream = InMemoryStream.create("no-passing-" + batchSize, 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 50, 20);
        // r25 fails forever (MaximumRetryAttempts -1): its batch ends at r25 (size 1) or r29 (size 10).
        int batchEnd = batchSize == 1 ? 25 : 29;
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("r25"));
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("no-passing-" + batchSize, stream, handler)
                .settings(Streams.fast().batchSize(batchSize).maximumRetryAttempts(-1).build())
                .leaseStore(store).build();
        StopResult result;
        mapping.start();
        try {
            await().until(() -> handler.invocations().stream()
                    .filter(b -> b.records().stream().anyMatch(r -> Streams.text(r).equals("r25")))
                    .count() >= 20);
        } finally {
            result = mapping.stop(Duration.ofSeconds(10));
        }
        String checkpoint = stream.records(shardId).get(batchSize == 1 ? 24 : 19).sequenceNumber();
        String endOfFailingBatch = stream.records(shardId).get(batchEnd).sequenceNumber();
        assertThat(handler.invocations()).allSatisfy(batch -> assertThat(batch.records())
                .allSatisfy(r -> assertThat(r.sequenceNumber()).isLessThanOrEqualTo(endOfFailingBatch)));
        assertThat(handler.invocations().getLast().approximateInvokeCount()).isGreaterThanOrEqualTo(20);
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactlyElementsOf(
                IntStream.range(0, batchSize == 1 ? 25 : 20).mapToObj(i -> "r" + i).toList());
        assertThat(store.sequenceNumber("no-passing-" + batchSize, shardId)).isEqualTo(checkpoint);
        assertThat(result.checkpoints()).containsEntry(shardId, new Checkpoint.AtSequenceNumber(checkpoint));
        assertThat(result.recordsNotProcessed()).isEqualTo(batchSize == 1 ? 25 : 30);
    }

    @Test
    void maximumRetryAttemptsNMeansNPlusOneInvocationsThenTheShardMovesOn() throws Exception {
        InMemoryStream stream = InMemoryStream.create("retries", 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 30, 5);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>failingOn(p -> Streams.utf8(p).equals("r12"));
        CollectingDestination destination = new CollectingDestination();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("retries", stream, handler)
                .settings(Streams.fast().batchSize(10).maximumRetryAttempts(3).build())
                .onFailure(destination).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == 20);
        } finally {
            Streams.stopQuietly(mapping);
        }
        List<Batch<StreamRecord<byte[]>>> failing = handler.invocations().stream()
                .filter(b -> Streams.text(b.records().getFirst()).equals("r10")).toList();
        assertThat(failing).extracting(Batch::approximateInvokeCount).containsExactly(1, 2, 3, 4);
        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RetryAttemptsExhausted);
            assertThat(failure.requestContext().approximateInvokeCount()).isEqualTo(4);
            assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(10);
            assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber())
                    .isEqualTo(stream.records(shardId).get(10).sequenceNumber());
            assertThat(((StreamBatchInfo) failure.batchInfo()).endSequenceNumber())
                    .isEqualTo(stream.records(shardId).get(19).sequenceNumber());
        });
        List<String> expected = new ArrayList<>(IntStream.range(0, 10).mapToObj(i -> "r" + i).toList());
        expected.addAll(IntStream.range(20, 30).mapToObj(i -> "r" + i).toList());
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"StackOverflowError", "Error", "AssertionError", "RuntimeException"})
    void aHandlerThrowingAnErrorFailsTheBatchLikeAnException(String thrown) throws Exception {
        InMemoryStream stream = InMemoryStream.create("handler-error", 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 30, 3);
        // A deeply nested poison payload overflows the stack of a recursive parser; user code (Kotlin's TODO(),
        // for one) throws plain Errors. Either must fail the batch, which is retried, not end the lane.
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.approximateInvokeCount() == 1 && Streams.text(batch.records().getFirst())
                    .equals("r10")) {
                switch (thrown) {
                    case "StackOverflowError" -> throw new StackOverflowError();
                    case "Error" -> throw new Error("not implemented");
                    case "AssertionError" -> throw new AssertionError("unexpected");
                    default -> throw new IllegalStateException("failed");
                }
            }
            return BatchResult.success();
        });
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("handler-error", stream, handler)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(store).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        mapping.start();
        try {
            await().until(() -> last.equals(store.sequenceNumber("handler-error", shardId)));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.invocations()).extracting(b -> Streams.text(b.records().getFirst()),
                Batch::approximateInvokeCount).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("r0", 1), org.assertj.core.groups.Tuple.tuple("r10", 1),
                        org.assertj.core.groups.Tuple.tuple("r10", 2), org.assertj.core.groups.Tuple.tuple("r20", 1));
        assertThat(handler.succeededPayloads(Streams::utf8))
                .containsExactlyElementsOf(IntStream.range(0, 30).mapToObj(i -> "r" + i).toList());
    }

    @Test
    void stopDoesNotRetryAFailedBatch() throws Exception {
        InMemoryStream stream = InMemoryStream.create("stop-no-retry", 1);
        Streams.fill(stream, 20, 5);
        ObservedSource source = new ObservedSource(stream);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            // Fail only once the stop has begun (the reader closes first), so that a retry would come after it.
            source.readerClosed().await(30, TimeUnit.SECONDS);
            throw new IllegalStateException("failed during stop");
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("stop-no-retry", source, handler)
                .settings(Streams.fast().batchSize(20).build()).build();
        mapping.start();
        StopResult result;
        try {
            await().until(() -> handler.invocationCount() == 1);
        } finally {
            result = mapping.stop(Duration.ofSeconds(10));
        }
        assertThat(handler.invocationCount()).isEqualTo(1);
        assertThat(result.drainedInTime()).isTrue();
        assertThat(result.recordsNotProcessed()).isEqualTo(20);
        assertThat(result.checkpoints()).isEmpty();
    }

    @Test
    void retryBackoffGrowsExponentiallyWithJitterUpToTheCap() {
        RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(10));
        int samples = 2_000;
        double previousMean = 0;
        for (int attempt = 1; attempt <= 6; attempt++) {
            long center = 100L << (attempt - 1);
            int n = attempt;
            long[] delays = LongStream.range(0, samples).map(i -> backoff.delay(n).toMillis()).toArray();
            long min = LongStream.of(delays).min().orElseThrow();
            long max = LongStream.of(delays).max().orElseThrow();
            assertThat(min).as("attempt %d", attempt).isGreaterThanOrEqualTo(center / 2);
            assertThat(max).as("attempt %d", attempt).isLessThanOrEqualTo(center * 3 / 2);
            // Jitter: the values are spread over the range, not one fixed interval.
            assertThat(LongStream.of(delays).distinct().count()).as("attempt %d", attempt).isGreaterThan(20);
            assertThat(min).isLessThan(center * 3 / 4);
            assertThat(max).isGreaterThan(center * 5 / 4);
            // Exponential: the mean doubles per attempt. With 2,000 uniform samples the mean is within 2% of the
            // center far beyond any realistic chance, so this is not a flaky statistical check.
            double mean = LongStream.of(delays).average().orElseThrow();
            assertThat(mean).as("attempt %d", attempt).isBetween(center * 0.9, center * 1.1);
            if (attempt > 1) {
                assertThat(mean / previousMean).isBetween(1.7, 2.3);
            }
            previousMean = mean;
        }
        // The cap: 100 ms * 2^7 = 12.8 s (6.4 s .. 19.2 s with jitter) is cut to 10 s; much later attempts too.
        for (int attempt : new int[] {8, 9, 20, 60, 10_000}) {
            long longest = IntStream.range(0, 20).mapToLong(i -> backoff.delay(attempt).toMillis()).max()
                    .orElseThrow();
            assertThat(longest).as("attempt %d", attempt).isLessThanOrEqualTo(10_000);
        }
        assertThat(new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(10)).delay(20))
                .isEqualTo(Duration.ofSeconds(10));
        // Attempt 0 (no retry yet) is treated as the first retry, never a zero or negative wait.
        assertThat(backoff.delay(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(150));
    }

    @Test
    void retryBackoffAtTheCapNeverExceedsIt() {
        RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(100), Duration.ofMillis(1_000));
        // Attempt 4: 800 ms, 400..1200 with jitter, so some waits hit the cap and none may pass it.
        long[] delays = IntStream.range(0, 2_000).mapToLong(i -> backoff.delay(4).toMillis()).toArray();
        assertThat(LongStream.of(delays).min().orElseThrow()).isBetween(400L, 999L);
        assertThat(LongStream.of(delays).max().orElseThrow()).isEqualTo(1_000L);
    }

}

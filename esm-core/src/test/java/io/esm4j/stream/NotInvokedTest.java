package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A handler that throws {@link FunctionNotInvokedException} (the function was throttled or not reached): as for an
 * error before the function runs in Lambda, the batch is retried as it is, without using up MaximumRetryAttempts and
 * without bisection, until it succeeds or its records are older than MaximumRecordAge (docs/lambda-semantics.md §2.3).
 */
class NotInvokedTest {

    private static final Instant T0 = Instant.parse("2024-05-01T12:00:00.000Z");

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryStream stream = InMemoryStream.create("throttled", 1, clock);
    private final String shardId = stream.openShardIds().getFirst();
    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final CollectingDestination destination = new CollectingDestination();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private EventSourceMapping<byte[]> mapping(RecordingHandler<byte[]> handler, StreamSettings settings) {
        return EventSourceMapping.builder("throttled", stream, handler).settings(settings).leaseStore(store)
                .onFailure(destination).meterRegistry(meters).clock(clock).build();
    }

    private List<StreamRecord<byte[]>> put(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> stream.put("k" + i, ("r" + i).getBytes(StandardCharsets.UTF_8), T0)).toList();
    }

    private void awaitCheckpointAt(StreamRecord<byte[]> record) {
        await().until(() -> store.load("throttled", shardId),
                cp -> cp.equals(Optional.of(new Checkpoint.AtSequenceNumber(record.sequenceNumber()))));
    }

    private double count(String meter) {
        return meters.counter(meter, MetricNames.MAPPING_TAG, "throttled").count();
    }

    private static RecordingHandler<byte[]> notInvokedFor(int times) {
        AtomicInteger throttled = new AtomicInteger();
        return RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (throttled.incrementAndGet() <= times) {
                throw new FunctionNotInvokedException("Rate exceeded (TooManyRequestsException)");
            }
            return BatchResult.success();
        });
    }

    @Test
    void aBatchTheFunctionNeverGotIsRetriedWholeWithoutUsingUpRetriesOrBisecting() throws Exception {
        List<StreamRecord<byte[]>> records = put(4);
        RecordingHandler<byte[]> handler = notInvokedFor(5);
        EventSourceMapping<byte[]> mapping = mapping(handler, Streams.fast().maximumRetryAttempts(0)
                .bisectBatchOnFunctionError(true).build());
        mapping.start();
        try {
            awaitCheckpointAt(records.getLast());
            // Read before the stop, which removes the mapping's meters.
            assertThat(count(MetricNames.INVOKED_EVENT_COUNT)).isEqualTo(24);
            assertThat(count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).as("an invocation tried and not made")
                    .isEqualTo(20);
            assertThat(count(MetricNames.DROPPED_EVENT_COUNT)).isZero();
        } finally {
            Streams.stopQuietly(mapping);
        }

        // Five rounds the function never got, then the sixth delivers: no retry quota used, no halves.
        assertThat(handler.invocations()).hasSize(6).allSatisfy(batch -> assertThat(batch.records())
                .containsExactlyElementsOf(records));
        assertThat(handler.invocations()).extracting(Batch::approximateInvokeCount).containsOnly(1);
        assertThat(handler.succeeded()).containsExactlyElementsOf(records);
        assertThat(destination.received()).isEmpty();
        assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
    }

    @Test
    void aFunctionErrorAfterThrottlingStillHasItsFullRetryQuota() throws Exception {
        List<StreamRecord<byte[]>> records = put(2);
        AtomicInteger calls = new AtomicInteger();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            int call = calls.incrementAndGet();
            if (call <= 3) {
                throw new FunctionNotInvokedException("throttled");
            }
            if (call == 4) {
                throw new IllegalStateException("function error");
            }
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = mapping(handler, Streams.fast().maximumRetryAttempts(1).build());
        mapping.start();
        try {
            awaitCheckpointAt(records.getLast());
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.succeeded()).containsExactlyElementsOf(records);
        assertThat(destination.received()).isEmpty();
        // approximateInvokeCount counts only the invocations the function got: the failed one and the retry.
        assertThat(handler.invocations()).extracting(Batch::approximateInvokeCount).containsExactly(1, 1, 1, 1, 2);
    }

    @Test
    void recordsTheFunctionNeverGetsExpireByMaximumRecordAgeToTheDestination() throws Exception {
        List<StreamRecord<byte[]>> records = put(3);
        StreamRecord<byte[]> fresh = stream.put("k", "fresh".getBytes(StandardCharsets.UTF_8), T0.plusSeconds(200));
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.records().contains(fresh)) {
                return BatchResult.success();
            }
            clock.advance(Duration.ofSeconds(25));
            throw new FunctionNotInvokedException("throttled");
        });
        EventSourceMapping<byte[]> mapping = mapping(handler, Streams.fast().batchSize(3).maximumRetryAttempts(0)
                .bisectBatchOnFunctionError(true).maximumRecordAgeInSeconds(60).build());
        mapping.start();
        try {
            awaitCheckpointAt(fresh);
        } finally {
            Streams.stopQuietly(mapping);
        }

        // Three throttled rounds, each 25 s later than the one before; before a fourth the records are 75 s old.
        List<Batch<StreamRecord<byte[]>>> throttled = handler.invocations().stream()
                .filter(batch -> !batch.records().contains(fresh)).toList();
        assertThat(throttled).hasSize(3).allSatisfy(batch -> assertThat(batch.records())
                .containsExactlyElementsOf(records));
        FailureRecord failure = destination.received().getFirst();
        assertThat(destination.received()).hasSize(1);
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
        assertThat(failure.requestContext().approximateInvokeCount()).isZero();
        assertThat(failure.responseContext()).isNull();
        assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(3);
        assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber())
                .isEqualTo(records.getFirst().sequenceNumber());
    }

    @Test
    void whileTheFunctionIsNotReachedTheLastProcessingResultSaysSo() throws Exception {
        List<StreamRecord<byte[]>> records = put(1);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (release.getCount() > 0) {
                calls.incrementAndGet();
                throw new FunctionNotInvokedException("throttled");
            }
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = mapping(handler, Streams.fast().maximumRetryAttempts(0).build());
        mapping.start();
        try {
            await().until(() -> calls.get() >= 3);
            assertThat(mapping.lastProcessingResult()).isEqualTo("PROBLEM: Function not invoked");
            assertThat(destination.received()).isEmpty();
            release.countDown();
            awaitCheckpointAt(records.getLast());
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
    }

    @Test
    void aWindowsFinalInvocationTheFunctionNeverGotUsesUpNoRetry() throws Exception {
        List<StreamRecord<byte[]>> records = put(2);
        AtomicInteger finals = new AtomicInteger();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.window() != null && batch.window().isFinalInvokeForWindow() && finals.incrementAndGet() <= 3) {
                throw new FunctionNotInvokedException("throttled");
            }
            return BatchResult.state(Map.of("n", "1"));
        });
        EventSourceMapping<byte[]> mapping = mapping(handler, Streams.fast().maximumRetryAttempts(0)
                .tumblingWindowInSeconds(30).build());
        mapping.start();
        try {
            // A record after the window's end closes it.
            stream.put("k", "next".getBytes(StandardCharsets.UTF_8), T0.plusSeconds(40));
            clock.advance(Duration.ofSeconds(40));
            awaitCheckpointAt(records.getLast());
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(finals.get()).isEqualTo(4);
        assertThat(destination.received()).isEmpty();
    }
}

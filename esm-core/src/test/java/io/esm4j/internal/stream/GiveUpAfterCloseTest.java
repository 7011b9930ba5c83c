package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.failure.FailureRecord;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A batch in the handler when its pipeline closes, which then fails with no retry left: after a stop or a hand-off
 * its records are given up to the on-failure destination as usual; after the lease was lost they are left unfinished,
 * for the lease's next owner, and counted.
 */
class GiveUpAfterCloseTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InMemoryStream stream = InMemoryStream.create("closing", 1);
    private final List<FailureRecord> sent = new CopyOnWriteArrayList<>();
    private final List<Checkpoint> progress = new CopyOnWriteArrayList<>();
    private final CountDownLatch inHandler = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean leaseLost = new AtomicBoolean();
    private ShardPipeline<byte[]> pipeline;

    @AfterEach
    void closePipeline() throws InterruptedException {
        release.countDown();
        if (pipeline != null) {
            pipeline.close();
            pipeline.awaitLanes(Instant.now().plusSeconds(30));
        }
    }

    @Test
    void afterANormalCloseTheFailedBatchStillGoesToTheDestination() throws Exception {
        StreamRecord<byte[]> record = startWithABlockedBatch();
        pipeline.close();
        release.countDown();

        await().until(() -> !sent.isEmpty());
        assertThat(sent).singleElement().satisfies(failure -> assertThat(failure.records()).hasSize(1));
        await().until(() -> progress.contains(new Checkpoint.AtSequenceNumber(record.sequenceNumber())));
        assertThat(counter(MetricNames.LEFT_TO_NEW_OWNER_EVENT_COUNT)).isZero();
    }

    @Test
    void afterTheLeaseWasLostTheFailedBatchIsLeftToTheNextOwner() throws Exception {
        startWithABlockedBatch();
        leaseLost.set(true);
        pipeline.close();
        release.countDown();

        assertThat(pipeline.awaitLanes(Instant.now().plusSeconds(30))).isTrue();
        assertThat(sent).isEmpty();
        assertThat(progress).isEmpty();
        assertThat(counter(MetricNames.LEFT_TO_NEW_OWNER_EVENT_COUNT)).isEqualTo(1);
        assertThat(counter(MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT)).isZero();
    }

    /** Starts a pipeline whose handler holds the first batch until {@link #release}, then fails it. */
    private StreamRecord<byte[]> startWithABlockedBatch() throws InterruptedException {
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            inHandler.countDown();
            release.await();
            throw new IllegalStateException("function error");
        });
        StreamSettings settings = StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).maximumRetryAttempts(0).build();
        MappingStatus status = new MappingStatus();
        EngineMetrics metrics = new EngineMetrics(registry, "closing", EngineMetrics.Kind.STREAM);
        Invoker<StreamRecord<byte[]>> invoker = new Invoker<>("closing", handler, null, stream::naturalId,
                stream::itemIdentifier, false, new RetryScope.FromLowestFailure<>(), metrics, status);
        StreamContext<byte[]> ctx = new StreamContext<>("closing", "worker", settings, stream,
                new RecordFilter<>(FilterCriteria.none(), stream, "closing"), null, sent::add, invoker, metrics,
                Clock.systemUTC(), new RetryBackoff(settings.retryBackoffInitial(), settings.retryBackoffMax()),
                status, null);
        pipeline = new ShardPipeline<>(ctx, "shard", new ShardPipeline.Listener() {
            @Override
            public void progressed(Checkpoint checkpoint) {
                progress.add(checkpoint);
            }

            @Override
            public void failed(Throwable failure) {
                throw new AssertionError("lane failed", failure);
            }

            @Override
            public void lanesEnded() {}
        }, ShardPipeline.LaneRouting.KEY_HASH, leaseLost::get);
        pipeline.start();
        StreamRecord<byte[]> record = new StreamRecord<>("shard", "0", "k", Instant.now(), 2, "r0".getBytes());
        pipeline.offer(List.of(record), false, null);
        inHandler.await();
        return record;
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }
}

package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.ThreadStarts;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.lease.Checkpoint;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A lane whose thread cannot start (HandlerThreads=PLATFORM under a thread limit: the JVM's OutOfMemoryError "unable
 * to create native thread") fails its pipeline like a lane failing outside the handler: the listener hears of it once,
 * as a ThreadNotStarted, no thread that never started is waited for or interrupted, and the lanes' end is reported once
 * the started ones end. For hash lanes (Kinesis, DynamoDB Streams) and for free-key lanes (Kafka), fixed or on demand.
 */
class LaneStartFailureTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InMemoryStream stream = InMemoryStream.create("lanes", 1);
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger lanesEnded = new AtomicInteger();
    private final List<Checkpoint> progress = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private ThreadStarts starts;
    private ShardPipeline<byte[]> pipeline;

    @AfterEach
    void closeAll() throws InterruptedException {
        release.countDown();
        if (starts != null) {
            starts.close();
        }
        if (pipeline != null) {
            pipeline.close();
            pipeline.awaitLanes(Instant.now().plusSeconds(30));
        }
    }

    @Test
    void aHashLaneThatCannotStartFailsThePipelineAndIsNeverWaitedFor() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-lanes-shard-lane-1");
        pipeline = pipeline(settings().parallelizationFactor(3), RecordingHandler.succeeding(),
                ShardPipeline.LaneRouting.KEY_HASH);

        assertThat(pipeline.start()).isFalse();

        assertNotStartedReportedOnce();
        assertThat(starts.refused()).as("no lane after the one that failed").isEqualTo(1);
        assertThat(lanesEnded).as("lane 0 still runs").hasValue(0);
        pipeline.close();
        assertThat(pipeline.awaitLanes(Instant.now().plusSeconds(30))).isTrue();
        await().until(() -> lanesEnded.get() == 1);
        pipeline.interruptLanes();
        assertThat(lanesEnded).hasValue(1);
    }

    @Test
    void whenNoHashLaneStartsTheLanesEndAtOnce() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-lanes-shard-lane-\\d+");
        pipeline = pipeline(settings().parallelizationFactor(2), RecordingHandler.succeeding(),
                ShardPipeline.LaneRouting.KEY_HASH);

        assertThat(pipeline.start()).isFalse();

        assertNotStartedReportedOnce();
        assertThat(lanesEnded).hasValue(1);
        pipeline.close();
        assertThat(pipeline.awaitLanes(Instant.now().plusSeconds(30))).isTrue();
        assertThat(lanesEnded).hasValue(1);
    }

    /** Kafka's fixed free-key lanes: the start gives up after the first lane that cannot start, instead of looping. */
    @Test
    void aFreeKeyLaneThatCannotStartFailsThePipelineOnce() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-lanes-shard-lane-1");
        pipeline = pipeline(settings().parallelizationFactor(4), RecordingHandler.succeeding(),
                ShardPipeline.LaneRouting.FREE_KEY);

        assertThat(pipeline.start()).isFalse();

        assertNotStartedReportedOnce();
        assertThat(starts.refused()).isEqualTo(1);
        pipeline.close();
        assertThat(pipeline.awaitLanes(Instant.now().plusSeconds(30))).isTrue();
        await().until(() -> lanesEnded.get() == 1);
    }

    /**
     * Under MaximumConcurrency, free-key lanes start as keys need them: one that cannot start fails the pipeline once
     * and no more are tried; the batch the running lane took finishes, and the progress reported stops before the
     * records no lane took.
     */
    @Test
    void aFreeKeyLaneStartedOnDemandThatCannotStartFailsThePipelineOnce() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-lanes-shard-lane-[1-9]\\d*");
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            release.await(60, TimeUnit.SECONDS);
            return BatchResult.success();
        });
        pipeline = pipeline(settings().parallelizationFactor(2).maximumConcurrency(4).batchSize(1), handler,
                ShardPipeline.LaneRouting.FREE_KEY);
        assertThat(pipeline.start()).isTrue();

        pipeline.offer(records(6), false, NOW);

        await().until(() -> !failures.isEmpty());
        assertNotStartedReportedOnce();
        assertThat(starts.refused()).isEqualTo(1);
        pipeline.close();
        release.countDown();
        assertThat(pipeline.awaitLanes(Instant.now().plusSeconds(30))).isTrue();
        await().until(() -> lanesEnded.get() == 1);
        assertThat(handler.succeeded()).hasSizeLessThanOrEqualTo(1);
        assertThat(progress).allSatisfy(checkpoint -> assertThat(checkpoint)
                .isEqualTo(new Checkpoint.AtSequenceNumber("0")));
    }

    private void assertNotStartedReportedOnce() {
        assertThat(failures).singleElement().isInstanceOf(ThreadNotStarted.class).satisfies(failure -> assertThat(
                failure.getMessage()).startsWith("thread esm4j-lanes-shard-lane-")
                .contains("not started: java.lang.OutOfMemoryError: unable to create native thread"));
    }

    private static StreamSettings.Builder settings() {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .handlerThreads(HandlerThreads.PLATFORM).retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5));
    }

    private ShardPipeline<byte[]> pipeline(StreamSettings.Builder builder, RecordingHandler<byte[]> handler,
                                           ShardPipeline.LaneRouting routing) {
        StreamSettings settings = builder.build();
        MappingStatus status = new MappingStatus();
        EngineMetrics metrics = new EngineMetrics(registry, "lanes", EngineMetrics.Kind.STREAM);
        Invoker<StreamRecord<byte[]>> invoker = new Invoker<>("lanes", handler, null, stream::naturalId,
                stream::itemIdentifier, false, new RetryScope.FromLowestFailure<>(), metrics, status);
        StreamContext<byte[]> ctx = new StreamContext<>("lanes", "worker", settings, stream,
                new RecordFilter<>(FilterCriteria.none(), stream, "lanes"), null, null, invoker, metrics,
                Clock.systemUTC(), new RetryBackoff(settings.retryBackoffInitial(), settings.retryBackoffMax()),
                status, ConcurrencyLimit.of(settings, metrics));
        return new ShardPipeline<>(ctx, "shard", new ShardPipeline.Listener() {
            @Override
            public void progressed(Checkpoint checkpoint) {
                progress.add(checkpoint);
            }

            @Override
            public void failed(Throwable failure) {
                failures.add(failure);
            }

            @Override
            public void lanesEnded() {
                lanesEnded.incrementAndGet();
            }
        }, routing);
    }

    /** One record per key, sequence numbers 0, 1, ... */
    private static List<StreamRecord<byte[]>> records(int count) {
        List<StreamRecord<byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(new StreamRecord<>("shard", Integer.toString(i), "k" + i, NOW, 10, ("r" + i).getBytes()));
        }
        return records;
    }
}

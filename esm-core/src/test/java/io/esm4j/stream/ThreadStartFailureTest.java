package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.ShardStatus;
import io.esm4j.StopResult;
import io.esm4j.internal.ThreadStarts;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencySettings;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.Counter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A thread the engine cannot start (the JVM's OutOfMemoryError "unable to create native thread", most likely with
 * HandlerThreads=PLATFORM) is supervised like any other failure outside the handler: retried with backoff, counted and
 * shown, nothing left registered that never ran, no record skipped, and stop() still returns.
 */
class ThreadStartFailureTest {

    private static final int RECORDS = 40;

    private final InMemoryStream stream = InMemoryStream.create("unstartable", 1);
    private final String shardId = stream.openShardIds().getFirst();
    private final RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
    private EventSourceMapping<byte[]> mapping;
    private ThreadStarts starts;

    @AfterEach
    void stop() {
        if (starts != null) {
            starts.close();
        }
        if (mapping != null) {
            Streams.stopQuietly(mapping);
        }
    }

    private void start(StreamSettings settings) {
        Streams.fill(stream, RECORDS, 8);
        mapping = EventSourceMapping.<byte[]>builder("unstartable", stream, handler).settings(settings).build();
        mapping.start();
    }

    /**
     * The second lane of each session cannot start while the first one did: the session fails and is replaced after
     * a backoff, again and again, each time shown and counted, and nothing is read meanwhile. Once lanes start again,
     * every record is handled and checkpointed.
     */
    @Test
    void aLaneThatCannotStartRestartsTheShardWithBackoffUntilItCan() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-unstartable-" + shardId + "-lane-1");
        start(Streams.fast().parallelizationFactor(2).handlerThreads(HandlerThreads.PLATFORM).build());

        await().until(() -> starts.refused() >= 3 && shard().restarts() >= 3);
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: shard " + shardId
                + " restarted after a failure: io.esm4j.internal.ThreadNotStarted: thread esm4j-unstartable-" + shardId
                + "-lane-1 not started: java.lang.OutOfMemoryError: unable to create native thread");
        assertThat(handler.invocationCount()).isZero();

        starts.allow();
        await().until(() -> handler.succeeded().size() == RECORDS);
        await().until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
        assertAllCheckpointedAtStop();
    }

    @Test
    void aReaderThatCannotStartRestartsTheShardWithBackoffUntilItCan() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-unstartable-" + shardId + "-reader");
        start(Streams.fast().parallelizationFactor(2).build());

        await().until(() -> starts.refused() >= 3 && shard().restarts() >= 3);
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: shard " + shardId
                + " restarted after a failure: io.esm4j.internal.ThreadNotStarted: thread esm4j-unstartable-" + shardId
                + "-reader not started");

        starts.allow();
        await().until(() -> handler.succeeded().size() == RECORDS);
        await().until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
        assertAllCheckpointedAtStop();
    }

    /**
     * A shard worker whose committer cannot start is not kept: its lease is released (not renewed by a worker that
     * does not run), the coordinator says why and takes it again after its backoff.
     */
    @Test
    void aShardWorkerThatCannotStartGivesItsLeaseBackAndIsStartedAgainLater() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-unstartable-" + shardId + "-committer");
        start(Streams.fast().build());

        await().until(() -> starts.refused() >= 3);
        assertThat(mapping.state()).isIn(MappingState.ENABLING, MappingState.ENABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: starting the worker of shard " + shardId
                + " failed: io.esm4j.internal.ThreadNotStarted: thread esm4j-unstartable-" + shardId
                + "-committer not started");
        assertThat(mapping.shards()).allSatisfy(shard -> assertThat(shard.owner()).isNull());
        assertThat(handler.invocationCount()).isZero();

        starts.allow();
        await().until(() -> handler.succeeded().size() == RECORDS);
        await().until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
        assertAllCheckpointedAtStop();
    }

    /** Without a thread for the stop, stop() runs it on the caller's thread: it returns, and the mapping is DISABLED. */
    @Test
    void stopReturnsWhenItsOwnThreadCannotStart() throws InterruptedException {
        start(Streams.fast().build());
        await().until(() -> handler.succeeded().size() == RECORDS);
        starts = ThreadStarts.refuse("esm4j-unstartable-stop");

        assertAllCheckpointedAtStop();
        assertThat(starts.refused()).isEqualTo(1);
    }

    /** Without threads for the final checkpoints, the stop writes them itself, and still releases every lease. */
    @Test
    void stopWritesFinalCheckpointsWhenTheirThreadsCannotStart() throws InterruptedException {
        start(Streams.fast().checkpointInterval(Duration.ofMinutes(5)).build());
        await().until(() -> handler.succeeded().size() == RECORDS);
        starts = ThreadStarts.refuse("esm4j-unstartable-.*-finish");

        assertAllCheckpointedAtStop();
        assertThat(starts.refused()).isEqualTo(1);
    }

    /** A fatal error's stop that cannot start at first is tried again: the mapping does not stay DISABLING. */
    @Test
    void aFatalErrorsStopIsRetriedUntilItsThreadStarts() {
        starts = ThreadStarts.refuseFirst("esm4j-unstartable-fatal-stop", 2);
        mapping = EventSourceMapping.<byte[]>builder("unstartable", stream, batch -> {
            throw new OutOfMemoryError("simulated heap exhaustion");
        }).settings(Streams.fast().build()).build();
        stream.put("k", "r");
        mapping.start();

        await().until(() -> mapping.state() == MappingState.DISABLED);
        assertThat(starts.refused()).isEqualTo(2);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: stopped after a fatal error")
                .contains("simulated heap exhaustion");
    }

    /**
     * A hand-off that gets no thread of its own gives the shard up as if its lease were lost, as a failed hand-off
     * does, rather than stopping the mapping or leaving the shard to a worker that will never hand it over; the lease
     * is taken again once it expired, and the shard goes on where it stood.
     */
    @Test
    void aHandoffWithoutAThreadGivesTheShardUpAndTheMappingGoesOn() {
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        mapping = EventSourceMapping.<byte[]>builder("unstartable", stream, handler)
                .settings(Streams.fast().failoverTime(Duration.ofSeconds(1)).build()).leaseStore(leases)
                .workerId("w1").meterRegistry(registry).build();
        mapping.start();
        stream.put("k", "before");
        await().until(() -> handler.succeeded().size() == 1);
        starts = ThreadStarts.refuse("esm4j-unstartable-" + shardId + "-handoff");

        Lease held = leases.list("unstartable").stream().filter(l -> !l.ended()).findFirst().orElseThrow();
        assertThat(leases.requestHandoff(held, "w-gone")).isInstanceOf(LeaseWrite.Written.class);

        await().until(() -> registry.find(MetricNames.LEASES_LOST).counters().stream()
                .mapToDouble(Counter::count).sum() == 1);
        assertThat(starts.refused()).isEqualTo(1);
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
        stream.put("k", "after");
        await().until(() -> handler.succeeded().size() == 2);
        assertThat(handler.succeeded()).extracting(Streams::text).containsExactly("before", "after");
    }

    /**
     * A batch whose idempotency claims' renewal gets no thread is not handed to the handler (claims nobody extends
     * would lapse under a handler running past their first expiry, and another consumer could take the records at the
     * same time), not stopped as a fatal error, and not shown as a failing store: its claims are released and it is
     * retried, without using up a retry attempt, until the thread starts. Then every record is handled once.
     */
    @Test
    void aBatchWhoseClaimRenewalCannotStartIsNotInvokedAndRetriedUntilItCan() throws InterruptedException {
        starts = ThreadStarts.refuse("esm4j-unstartable-claim-renewal");
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        // Claims that last 10 minutes: one left behind by a batch not invoked would hold its record up past the test.
        Idempotency<StreamRecord<byte[]>> idempotency = Idempotency.<StreamRecord<byte[]>>of(
                new InMemoryIdempotencyStore(1000, Clock.systemUTC()))
                .withSettings(IdempotencySettings.builder().inProgressExpiry(Duration.ofMinutes(10)).build());
        Streams.fill(stream, RECORDS, 8);
        mapping = EventSourceMapping.<byte[]>builder("unstartable", stream, handler)
                .settings(Streams.fast().maximumRetryAttempts(1).build()).idempotency(idempotency)
                .meterRegistry(registry).build();
        mapping.start();

        await().until(() -> starts.refused() >= 3);
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
        assertThat(mapping.lastProcessingResult()).isEqualTo("PROBLEM: Idempotency claim renewal not started");
        assertThat(handler.invocationCount()).isZero();

        starts.allow();
        await().until(() -> handler.succeeded().size() == RECORDS);
        await().until(() -> mapping.lastProcessingResult().equals("OK"));
        assertThat(registry.find(MetricNames.FAILED_INVOKE_EVENT_COUNT).counters()).allSatisfy(
                counter -> assertThat(counter.count()).isZero());
        assertAllCheckpointedAtStop();
    }

    private ShardStatus shard() {
        List<ShardStatus> shards = mapping.shards();
        return shards.stream().filter(s -> s.shardId().equals(shardId)).findFirst()
                .orElse(new ShardStatus(shardId, null, "", -1, 0, 0, null, null));
    }

    /** Stops; every record is done and its checkpoint saved, and the mapping ends DISABLED. */
    private void assertAllCheckpointedAtStop() throws InterruptedException {
        StopResult result = mapping.stop(Duration.ofSeconds(10));
        assertThat(result.drainedInTime()).isTrue();
        assertThat(result.shardsWithUnsavedCheckpoint()).isEmpty();
        assertThat(result.recordsNotProcessed()).isZero();
        String last = stream.records(shardId).getLast().sequenceNumber();
        assertThat(result.checkpoints()).containsEntry(shardId, new Checkpoint.AtSequenceNumber(last));
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(handler.succeeded()).extracting(StreamRecord::sequenceNumber).doesNotHaveDuplicates()
                .hasSize(RECORDS);
    }
}

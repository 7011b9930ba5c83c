package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.failure.FailureRecord;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Only a stop interrupts the stream engine's threads, and it closes the shard (or marks the coordinator stopping)
 * before it does. An InterruptedException that a source, a lease store, a destination or the handler throws on its
 * own (a client that takes a connect or connection-pool timeout for an interrupt), with no stop under way and the
 * thread not interrupted, is a failure like any other: counted, shown and retried. Taken for a stop, each ended a
 * reader, the coordinator, a lane or the committer for good, without a word in the status; left set by a lease
 * store, the flag failed the lease renewals after it.
 */
class StreamInterruptsTest {

    private static final String MAPPING = "interrupts";
    private static final int RECORDS = 30;

    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();
    private final InMemoryStream stream = InMemoryStream.create(MAPPING, 1);
    private final FaultyStream source = new FaultyStream(stream);
    private final String shardId = stream.openShardIds().getFirst();

    private double count(String name) {
        return registry.get(name).tag(MetricNames.MAPPING_TAG, MAPPING).counter().count();
    }

    private EventSourceMapping.Builder<byte[]> mapping(RecordingHandler<byte[]> handler) {
        return EventSourceMapping.builder(MAPPING, source, handler).meterRegistry(registry)
                .settings(Streams.fast().batchSize(10).build());
    }

    private static List<String> all() {
        return IntStream.range(0, RECORDS).mapToObj(i -> "r" + i).toList();
    }

    /** What a client throws when it takes a timeout for an interrupt, with the thread's flag not set. */
    private static Exception madeUpInterrupt(String kind) {
        return switch (kind) {
            case "InterruptedException" -> new InterruptedException("connection pool timeout");
            case "InterruptedIOException" -> new InterruptedIOException("connection pool timeout");
            case "wrapped" -> new IllegalStateException("call failed",
                    new InterruptedException("connection pool timeout"));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"InterruptedException", "InterruptedIOException", "wrapped"})
    void anInterruptAFetchMakesUpIsAFailedReadShownAndTheShardIsReadAgain(String kind) throws Exception {
        Streams.fill(stream, RECORDS, 4);
        AtomicInteger failuresLeft = new AtomicInteger(Integer.MAX_VALUE);
        source.fetch = shard -> {
            if (failuresLeft.get() > 0) {
                throw madeUpInterrupt(kind);
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = mapping(handler).build();
        mapping.start();
        try {
            await().until(() -> count(MetricNames.POLLING_ERROR_COUNT) >= 3);
            assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: reading shard " + shardId + " failed");
            assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);

            failuresLeft.set(0);
            await().until(() -> handler.succeeded().size() == RECORDS);
            await().until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactlyElementsOf(all());
    }

    @Test
    void anInterruptListShardsMakesUpIsAFailedRoundAndLaterSplitsStillStart() throws Exception {
        Streams.fill(stream, RECORDS, 4);
        AtomicInteger listings = new AtomicInteger();
        source.listShards = x -> {
            int n = listings.incrementAndGet();
            if (n > 1 && n < 5) {
                throw new InterruptedException("connection pool timeout");
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = mapping(handler).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == RECORDS);
            await().until(() -> listings.get() >= 5);
            List<String> children = stream.split(shardId);
            for (String child : children) {
                stream.put(Streams.keyOn(stream, child, 0), "child-" + child);
            }
            await().until(() -> handler.succeeded().size() == RECORDS + 2);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(count(MetricNames.POLLING_ERROR_COUNT)).isGreaterThanOrEqualTo(3);
    }

    /**
     * A handler is user code: an InterruptedException it throws (or an interrupt it restores before it fails) without
     * a stop fails the batch, which is counted and retried like any failure, and so reaches the destination at last.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"throws InterruptedException", "restores the flag and throws"})
    void aHandlerThatMakesUpAnInterruptFailsTheBatchWhichIsRetried(String how) throws Exception {
        Streams.fill(stream, RECORDS, 4);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.approximateInvokeCount() <= 2) {
                if (how.startsWith("throws")) {
                    throw new InterruptedException("connection pool timeout");
                }
                Thread.currentThread().interrupt();
                throw new IllegalStateException("call failed", new InterruptedException("connection pool timeout"));
            }
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = mapping(handler).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == RECORDS);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.succeededPayloads(Streams::utf8)).containsExactlyElementsOf(all());
        assertThat(count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(2 * RECORDS);
    }

    @Test
    void anInterruptTheDestinationMakesUpIsARefusalAndTheRecordIsDeliveredOnce() throws Exception {
        Streams.fill(stream, RECORDS, 4);
        AtomicInteger refusals = new AtomicInteger(2);
        List<FailureRecord> delivered = new ArrayList<>();
        RecordingHandler<byte[]> handler = RecordingHandler.failingOn(p -> Streams.utf8(p).equals("r10"));
        EventSourceMapping<byte[]> mapping = mapping(handler).onFailure(record -> {
            if (refusals.getAndDecrement() > 0) {
                throw new InterruptedException("connection pool timeout");
            }
            synchronized (delivered) {
                delivered.add(record);
            }
        }).settings(Streams.fast().batchSize(1).maximumRetryAttempts(0).build()).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == RECORDS - 1);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(delivered).hasSize(1);
        assertThat(count(MetricNames.DESTINATION_DELIVERY_FAILURES)).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"throws InterruptedException", "restores the flag and throws"})
    void aCheckpointWriteThatMakesUpAnInterruptIsRetriedAndLaterCheckpointsAreWritten(String how) throws Exception {
        Streams.fill(stream, RECORDS, 4);
        AtomicInteger failuresLeft = new AtomicInteger(2);
        RecordingLeaseStore store = new RecordingLeaseStore().onSave((m, shard, checkpoint) -> {
            if (failuresLeft.getAndDecrement() > 0) {
                if (how.startsWith("throws")) {
                    throw new InterruptedException("connection pool timeout");
                }
                Thread.currentThread().interrupt();
                throw new IllegalStateException("call failed", new InterruptedException("connection pool timeout"));
            }
        });
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = mapping(handler).leaseStore(store).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        mapping.start();
        try {
            await().until(() -> last.equals(store.sequenceNumber(MAPPING, shardId)));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(count(MetricNames.CHECKPOINT_WRITE_FAILURES)).isEqualTo(2);
    }

    /**
     * The renewals due at one check run in turn on one thread. A flag one lease's store call left set failed every
     * renewal after it in that round (a blocking client fails at once on an interrupted thread), round after round,
     * until leases were lost. Now it is that lease's failed renewal at most, and the flag goes with it.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"restores the flag and throws", "restores the flag and answers"})
    void aRenewalThatLeavesTheFlagSetFailsNoOtherRenewal(String how) throws Exception {
        InMemoryStream shards = InMemoryStream.create(MAPPING, 4);
        Set<String> madeUp = ConcurrentHashMap.newKeySet();
        List<String> failedOnAFlagLeftSet = new CopyOnWriteArrayList<>();
        AtomicInteger renewals = new AtomicInteger();
        RecordingLeaseStore store = new RecordingLeaseStore().onRenew(held -> {
            if (Thread.currentThread().isInterrupted()) {
                failedOnAFlagLeftSet.add(held.shardId());
                throw new InterruptedException("interrupted before the call");
            }
            renewals.incrementAndGet();
            // Each lease's first renewal.
            if (madeUp.add(held.shardId())) {
                Thread.currentThread().interrupt();
                if (how.endsWith("throws")) {
                    throw new IllegalStateException("call failed", new InterruptedException("connection pool timeout"));
                }
            }
        });
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        // FailoverTime 3 s: renewals every second, checked every 500 ms; a lease not renewed for 2.2 s is lost.
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(MAPPING, shards, handler)
                .meterRegistry(registry).leaseStore(store)
                .settings(Streams.fast().failoverTime(Duration.ofSeconds(3)).build()).build();
        mapping.start();
        try {
            // Every lease made up its interrupt, then was renewed twice more.
            await().atMost(Duration.ofSeconds(30)).until(() -> madeUp.size() == 4 && renewals.get() >= 3 * 4);
            Streams.fill(shards, RECORDS, 4);
            await().until(() -> handler.succeeded().size() == RECORDS);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(failedOnAFlagLeftSet).isEmpty();
        assertThat(count(MetricNames.LEASES_LOST)).isZero();
    }

    /**
     * The last guard of a lane: an interrupt left behind by code the engine calls (here the filter's, evaluated again
     * before an invocation) ends the lane's next wait. Before the stop closed the shard, that is a failure of the
     * session, which restarts after the last done record; it ended the lane silently, and the shard stood still.
     */
    @Test
    void anInterruptLeftBehindInALaneRestartsTheSessionInsteadOfEndingTheLaneSilently() throws Exception {
        IntStream.range(0, RECORDS).forEach(i -> stream.put("k" + (i % 4), "{\"ok\":true,\"id\":\"r" + i + "\"}"));
        AtomicInteger failuresLeft = new AtomicInteger(2);
        source.filterDocument = record -> {
            if (Streams.text(record).contains("\"r5\"") && failuresLeft.getAndDecrement() > 0) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("filter failed", new InterruptedException("made up"));
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = mapping(handler)
                .filterCriteria(FilterCriteria.of(List.of("{\"data\":{\"ok\":[true]}}"))).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == RECORDS);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(count(MetricNames.RESTART_COUNT)).isPositive();
    }

    /** The engine's own interrupt, at the stop's timeout, still ends the invocation as a stop: no failure, no retry. */
    @Test
    void aHandlerInterruptedAtTheStopTimeoutIsStoppedNotFailed() throws Exception {
        Streams.fill(stream, RECORDS, 4);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            Thread.sleep(Duration.ofMinutes(10));
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = mapping(handler).build();
        mapping.start();
        await().until(() -> handler.invocations().size() == 1);
        StopResult result = mapping.stop(Duration.ofMillis(200));

        assertThat(result.drainedInTime()).isFalse();
        assertThat(result.recordsNotProcessed()).isEqualTo(RECORDS);
        assertThat(handler.invocations()).hasSize(1);
        assertThat(count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isZero();
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
    }
    /**
     * A handler that turns the stop's interrupt into an exception of its own (the AWS SDK's AbortedException, an
     * interrupt wrapped by the handler) fails its invocation, but only because the mapping stopped: with
     * MaximumRetryAttempts 0 that last attempt must not give the records up (dropped, or sent to the destination)
     * and let the checkpoint pass them. They are left for the next run, which handles them.
     */
    @Test
    void aHandlerThatWrapsTheStopsInterruptLeavesItsRecordsForTheNextRun() throws Exception {
        Streams.fill(stream, RECORDS, 4);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            try {
                Thread.sleep(Duration.ofMinutes(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException("Thread was interrupted", e);
            }
            return BatchResult.success();
        });
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        EventSourceMapping<byte[]> mapping = mapping(handler).leaseStore(leases)
                .settings(Streams.fast().batchSize(10).maximumRetryAttempts(0).build()).build();
        mapping.start();
        await().until(() -> handler.invocations().size() == 1);
        StopResult result = mapping.stop(Duration.ofMillis(200));

        assertThat(result.drainedInTime()).isFalse();
        assertThat(count(MetricNames.DROPPED_EVENT_COUNT)).isZero();
        assertThat(result.recordsNotProcessed()).isEqualTo(RECORDS);

        RecordingHandler<byte[]> next = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> again = EventSourceMapping.builder(MAPPING, source, next).leaseStore(leases)
                .settings(Streams.fast().batchSize(10).maximumRetryAttempts(0).build()).build();
        again.start();
        try {
            await().until(() -> next.succeeded().size() == RECORDS);
            assertThat(next.succeededPayloads(Streams::utf8)).containsExactlyElementsOf(all());
        } finally {
            Streams.stopQuietly(again);
        }
    }

    /**
     * A stop whose timeout interrupts a delivery to the on-failure destination: the destination refused nothing, so
     * the stop is not counted as a refusal (DestinationDeliveryFailures, a PROBLEM, a WARN), however the destination
     * reports the interrupt (rethrown, or wrapped as the AWS SDK's AbortedException does). The records stay unsent and
     * after the checkpoint: the next run gives them up again.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"throws InterruptedException", "wraps it", "wraps it and restores the flag"})
    void aDeliveryTheStopInterruptsIsNoRefusalAndItsRecordsAreLeftForTheNextRun(String how) throws Exception {
        Streams.fill(stream, RECORDS, 4);
        java.util.concurrent.CountDownLatch sending = new java.util.concurrent.CountDownLatch(1);
        List<FailureRecord> delivered = new CopyOnWriteArrayList<>();
        RecordingHandler<byte[]> handler = RecordingHandler.failingOn(p -> Streams.utf8(p).equals("r0"));
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        EventSourceMapping<byte[]> mapping = mapping(handler).leaseStore(leases).onFailure(record -> {
            sending.countDown();
            try {
                Thread.sleep(Duration.ofMinutes(10));
            } catch (InterruptedException e) {
                if (how.startsWith("throws")) {
                    throw e;
                }
                if (how.endsWith("flag")) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("Thread was interrupted", e);
            }
            delivered.add(record);
        }).settings(Streams.fast().batchSize(1).maximumRetryAttempts(0).build()).build();
        mapping.start();
        await().until(() -> sending.getCount() == 0);
        StopResult result = mapping.stop(Duration.ofMillis(200));

        assertThat(result.drainedInTime()).isFalse();
        assertThat(delivered).isEmpty();
        assertThat(registry.find(MetricNames.DESTINATION_DELIVERY_FAILURES).counters())
                .allSatisfy(counter -> assertThat(counter.count()).isZero());
        assertThat(count(MetricNames.DROPPED_EVENT_COUNT)).isZero();
        assertThat(mapping.stateTransitionReason()).isEqualTo("User action");

        RecordingHandler<byte[]> next = RecordingHandler.failingOn(p -> Streams.utf8(p).equals("r0"));
        EventSourceMapping<byte[]> again = EventSourceMapping.builder(MAPPING, source, next).leaseStore(leases)
                .onFailure(delivered::add)
                .settings(Streams.fast().batchSize(1).maximumRetryAttempts(0).build()).build();
        again.start();
        try {
            await().until(() -> next.succeeded().size() == RECORDS - 1);
            assertThat(delivered).hasSize(1);
        } finally {
            Streams.stopQuietly(again);
        }
    }
}

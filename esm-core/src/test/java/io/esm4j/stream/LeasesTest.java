package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.ShardStatus;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several mappings with the same name in one JVM share a stream through one lease store: leases balance between
 * them (a worker that joins asks for leases and their owner hands them over: no record is handled twice), a stopping
 * one hands its shards over at once, an abandoned one loses them after the failover time, an owner that does not
 * answer a request loses the lease after GracefulHandoffTimeout, and a paused owner whose lease was taken cannot
 * write a late checkpoint. Through all of it every record is handled, per key in order; duplicates come only from
 * work in flight when a lease moved without its owner's consent.
 */
class LeasesTest {

    private static final String NAME = "shared";
    private static final int KEYS = 16;

    private final InMemoryLeaseStore shared = new InMemoryLeaseStore();
    private final InMemoryStream stream = InMemoryStream.create("shared", 8);
    private final RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
    private final List<EventSourceMapping<byte[]>> started = new ArrayList<>();
    private final Map<String, RetainingMeterRegistry> registries = new HashMap<>();
    private int put;

    @AfterEach
    void stopAll() {
        started.forEach(m -> Streams.stopQuietly(m));
    }

    private EventSourceMapping<byte[]> worker(String id, StreamSettings settings, WorkerLeaseStore store) {
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        registries.put(id, registry);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, stream, handler).settings(settings)
                .leaseStore(store).workerId(id).meterRegistry(registry).build();
        mapping.start();
        started.add(mapping);
        return mapping;
    }

    private EventSourceMapping<byte[]> worker(String id, StreamSettings settings) {
        return worker(id, settings, new WorkerLeaseStore(shared));
    }

    private void put(int count) {
        for (int i = 0; i < count; i++, put++) {
            stream.put("k" + put % KEYS, "r" + put);
        }
    }

    private Map<String, Long> owners() {
        return shared.list(NAME).stream().filter(l -> !l.ended() && l.owner() != null)
                .collect(Collectors.groupingBy(Lease::owner, Collectors.counting()));
    }

    private boolean balanced(List<String> workers) {
        Map<String, Long> owners = owners();
        return owners.keySet().equals(new java.util.HashSet<>(workers))
                && owners.values().stream().mapToLong(Long::longValue).sum() == 8
                && owners.values().stream().allMatch(n -> n >= 8 / workers.size()
                        && n <= (8 + workers.size() - 1) / workers.size());
    }

    private boolean allHandled() {
        return handler.succeeded().stream().map(Streams::text).distinct().count() == put;
    }

    /**
     * Per key, each record reaches the handler only after every earlier record of the key did; a record may come
     * again (a replay after a lease moved), but never before its predecessors.
     */
    private void assertPerKeyOrderWithReplaysOnly() {
        Map<String, Integer> next = new HashMap<>();
        Map<String, List<Integer>> expected = new HashMap<>();
        for (int i = 0; i < put; i++) {
            expected.computeIfAbsent("k" + i % KEYS, k -> new ArrayList<>()).add(i);
        }
        for (StreamRecord<byte[]> record : handler.succeeded()) {
            String key = record.partitionKey();
            int n = Integer.parseInt(Streams.text(record).substring(1));
            int reached = next.getOrDefault(key, 0);
            List<Integer> order = expected.get(key);
            if (reached < order.size() && order.get(reached) == n) {
                next.put(key, reached + 1);
            } else {
                assertThat(order.subList(0, reached)).as("record r%d of %s came before its predecessors", n, key)
                        .contains(n);
            }
        }
        assertThat(next.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(put);
    }

    /** Leases held by every worker, by their LeasesHeld gauges. */
    private double leasesHeld() {
        return registries.values().stream().flatMap(r -> r.find(MetricNames.LEASES_HELD).gauges().stream())
                .mapToDouble(Gauge::value).sum();
    }

    /** Leases taken by every worker, from the given kind of owner. */
    private double taken(String from) {
        return registries.values().stream().flatMap(r -> r.find(MetricNames.LEASES_TAKEN)
                .tag(MetricNames.FROM_TAG, from).counters().stream())
                .mapToDouble(Counter::count).sum();
    }

    private double leasesLost(String worker) {
        return count(worker, MetricNames.LEASES_LOST);
    }

    private double count(String worker, String counter) {
        return registries.get(worker).get(counter).counter().count();
    }

    /** Puts a record every millisecond or so until the returned thread is interrupted. */
    private Thread putContinuously() {
        return Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    synchronized (this) {
                        put(1);
                    }
                    Thread.sleep(1);
                }
            } catch (InterruptedException e) {
                // done
            }
        });
    }

    @Test
    void aJoiningWorkerAsksForLeasesAndTheirOwnerHandsThemOverWithoutAnyRecordHandledTwice() throws Exception {
        // Leases never expire here, and the hand-off timeout is far away: every lease that moves is handed over.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10)).build();
        handler.behave(batch -> {
            Thread.sleep(2);
            return BatchResult.success();
        });
        WorkerLeaseStore first = new WorkerLeaseStore(shared);
        WorkerLeaseStore second = new WorkerLeaseStore(shared);
        worker("w1", settings, first);
        await().until(() -> balanced(List.of("w1")));
        Thread producer = putContinuously();
        await().until(() -> handler.succeededCount() >= 200);

        worker("w2", settings, second);
        await().atMost(Duration.ofSeconds(60)).until(() -> balanced(List.of("w1", "w2")));
        int atBalance = handler.succeededCount();
        await().until(() -> handler.succeededCount() >= atBalance + 200);
        producer.interrupt();
        producer.join();
        await().until(this::allHandled);
        started.forEach(Streams::stopQuietly);

        List<String> handled = handler.succeeded().stream().map(Streams::text).toList();
        assertThat(handled).as("records handled twice").doesNotHaveDuplicates().hasSize(put);
        assertPerKeyOrderWithReplaysOnly();
        assertThat(count("w2", MetricNames.LEASE_HANDOFFS_REQUESTED)).isGreaterThanOrEqualTo(4);
        assertThat(count("w1", MetricNames.LEASE_HANDOFFS_COMPLETED)).isGreaterThanOrEqualTo(4);
        assertThat(count("w2", MetricNames.LEASE_HANDOFFS_TIMED_OUT)).isZero();
        assertThat(taken("stolen")).isZero();
        assertThat(leasesLost("w1") + leasesLost("w2")).isZero();
        assertThat(first.refusedCheckpoints() + second.refusedCheckpoints()).isZero();
    }

    @Test
    void aWorkerThatHandedALeaseOverNoLongerShowsItselfAsItsOwner() throws Exception {
        // Listings 20 s apart: the owner's listing from before the hand-over stays its latest for that long.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10))
                .shardSyncInterval(Duration.ofSeconds(20)).build();
        EventSourceMapping<byte[]> w1 = worker("w1", settings);
        await().until(() -> balanced(List.of("w1")) && ownedBy(w1.shards(), "w1").size() == 8);

        worker("w2", settings);
        await().atMost(Duration.ofSeconds(60)).until(() -> count("w1", MetricNames.LEASE_HANDOFFS_COMPLETED) >= 1);

        // The store first: w1 takes no lease back here, so what it shows as its own it must still hold.
        Set<String> heldInTheStore = shared.list(NAME).stream().filter(l -> "w1".equals(l.owner()))
                .map(Lease::shardId).collect(Collectors.toSet());
        List<String> shownAsHeld = ownedBy(w1.shards(), "w1");
        assertThat(shownAsHeld).hasSizeLessThan(8);
        assertThat(heldInTheStore).containsAll(shownAsHeld);
    }

    @Test
    void aWorkerThatAskedForALeaseLooksAgainSoonInsteadOfAtItsNextRound() throws Exception {
        // w2's rounds are 5 minutes apart (half its FailoverTime), w1's 100 ms: w2 asks for one lease a round, so it
        // reaches its share within the minute only if it looks again soon while a request is pending.
        StreamSettings owner = Streams.fast().failoverTime(Duration.ofMinutes(10)).build();
        StreamSettings slowAsker = Streams.fast().failoverTime(Duration.ofMinutes(10))
                .shardSyncInterval(Duration.ofMinutes(10)).build();
        EventSourceMapping<byte[]> w1 = worker("w1", owner);
        await().until(() -> balanced(List.of("w1")) && ownedBy(w1.shards(), "w1").size() == 8);

        worker("w2", slowAsker);
        await().atMost(Duration.ofSeconds(60)).until(() -> balanced(List.of("w1", "w2")));

        assertThat(count("w2", MetricNames.LEASE_HANDOFFS_REQUESTED)).isGreaterThanOrEqualTo(4);
        assertThat(count("w1", MetricNames.LEASE_HANDOFFS_COMPLETED)).isGreaterThanOrEqualTo(4);
        assertThat(count("w2", MetricNames.LEASE_HANDOFFS_TIMED_OUT)).isZero();
        assertThat(taken("stolen")).isZero();
    }

    private static List<String> ownedBy(List<ShardStatus> shards, String worker) {
        return shards.stream().filter(s -> worker.equals(s.owner())).map(ShardStatus::shardId).toList();
    }

    @Test
    void anOwnerAlsoSeesARequestInWhatItsRenewalReturns() throws Exception {
        // w1's listings never show requests: it can only learn of them from its renewals (every second). The
        // hand-off timeout is far away, so every lease that moves is handed over.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(3))
                .gracefulHandoffTimeout(Duration.ofMinutes(5)).build();
        WorkerLeaseStore renewalsOnly = new WorkerLeaseStore(shared);
        renewalsOnly.ignoreHandoffsInListings();
        worker("w1", settings, renewalsOnly);
        put(400);
        await().until(() -> balanced(List.of("w1")));
        await().until(this::allHandled);

        worker("w2", settings);
        await().atMost(Duration.ofSeconds(60)).until(() -> balanced(List.of("w1", "w2")));
        put(400);
        await().until(this::allHandled);

        assertThat(count("w1", MetricNames.LEASE_HANDOFFS_COMPLETED)).isGreaterThanOrEqualTo(4);
        assertThat(count("w2", MetricNames.LEASE_HANDOFFS_TIMED_OUT)).isZero();
        assertThat(leasesLost("w1") + leasesLost("w2")).isZero();
        assertThat(handler.succeeded().stream().map(Streams::text).toList()).doesNotHaveDuplicates();
        assertPerKeyOrderWithReplaysOnly();
    }

    @Test
    void anOwnerThatDoesNotHandOverLosesTheLeaseAfterTheHandoffTimeoutAndProcessingGoesOn() throws Exception {
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10))
                .gracefulHandoffTimeout(Duration.ofSeconds(2)).build();
        WorkerLeaseStore deaf = new WorkerLeaseStore(shared);
        deaf.ignoreHandoffs();
        worker("w1", settings, deaf);
        put(400);
        await().until(() -> balanced(List.of("w1")));
        await().until(this::allHandled);

        EventSourceMapping<byte[]> w2 = worker("w2", settings);
        // w2 asks; w1 never sees it, so w2 takes the lease once the request is GracefulHandoffTimeout old. Until
        // then the shard's status shows the request.
        await().atMost(Duration.ofSeconds(60)).until(() -> w2.shards().stream()
                .anyMatch(s -> "w2".equals(s.handoffTo()) && "w1".equals(s.owner())));
        await().atMost(Duration.ofSeconds(60)).until(() -> balanced(List.of("w1", "w2")));
        await().until(() -> leasesLost("w1") >= 4);
        assertThat(count("w2", MetricNames.LEASE_HANDOFFS_REQUESTED)).isGreaterThanOrEqualTo(4);
        assertThat(count("w2", MetricNames.LEASE_HANDOFFS_TIMED_OUT)).isGreaterThanOrEqualTo(4);
        assertThat(taken("stolen")).isGreaterThanOrEqualTo(4);
        assertThat(count("w1", MetricNames.LEASE_HANDOFFS_COMPLETED)).isZero();
        put(400);
        await().until(this::allHandled);

        assertPerKeyOrderWithReplaysOnly();
    }

    @Test
    void anOwnerWhoseHandlerIgnoresTheInterruptStillReleasesTheLeaseWithinTheHandoffTimeout() throws Exception {
        // Every batch of w1 runs until the test ends, interrupted or not: w1's drain runs out, it interrupts in vain,
        // and it must still write its final checkpoint and release before w2's request is GracefulHandoffTimeout old.
        CountDownLatch end = new CountDownLatch(1);
        RecordingHandler<byte[]> stuck = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            awaitIgnoringInterrupts(end);
            return BatchResult.success();
        });
        InMemoryStream two = InMemoryStream.create("two", 2);
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(3))
                .gracefulHandoffTimeout(Duration.ofSeconds(8)).build();
        RetainingMeterRegistry first = new RetainingMeterRegistry();
        registries.put("w1", first);
        EventSourceMapping<byte[]> w1 = EventSourceMapping.builder(NAME, two, stuck).settings(settings)
                .leaseStore(shared).workerId("w1").meterRegistry(first).build();
        w1.start();
        started.add(w1);
        await().until(() -> owners().getOrDefault("w1", 0L) == 2);
        for (String shardId : two.openShardIds()) {
            two.put(Streams.keyOn(two, shardId, 0), "stuck on " + shardId);
        }
        await().until(() -> stuck.invocationCount() == 2);

        RetainingMeterRegistry second = new RetainingMeterRegistry();
        registries.put("w2", second);
        EventSourceMapping<byte[]> w2 = EventSourceMapping.builder(NAME, two, handler).settings(settings)
                .leaseStore(shared).workerId("w2").meterRegistry(second).build();
        w2.start();
        started.add(w2);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> owners().getOrDefault("w2", 0L) == 1
                    && count("w1", MetricNames.LEASE_HANDOFFS_COMPLETED) + count("w2",
                    MetricNames.LEASE_HANDOFFS_TIMED_OUT) >= 1);
            assertThat(count("w2", MetricNames.LEASE_HANDOFFS_TIMED_OUT)).isZero();
            assertThat(count("w1", MetricNames.LEASE_HANDOFFS_COMPLETED)).isEqualTo(1);
        } finally {
            end.countDown();
        }
    }

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void leasesBalanceAndAStoppingWorkerHandsItsShardsOverAtOnce() throws Exception {
        // Leases never expire in this test: whatever moves, moves because it was handed over or balanced.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10)).build();
        EventSourceMapping<byte[]> w1 = worker("w1", settings);
        worker("w2", settings);
        worker("w3", settings);
        put(400);
        await().until(() -> balanced(List.of("w1", "w2", "w3")));
        await().until(this::allHandled);
        await().until(() -> leasesHeld() == 8);
        assertThat(taken("unowned") + taken("expired") + taken("stolen")).isGreaterThanOrEqualTo(8);
        assertThat(taken("expired")).isZero();

        w1.stop(Duration.ofSeconds(10));
        await().until(() -> balanced(List.of("w2", "w3")));
        put(400);
        await().until(this::allHandled);

        assertPerKeyOrderWithReplaysOnly();
        assertThat(w1.shards()).isNotEmpty();
    }

    @Test
    void withAStoreThatCannotRecordHandoffRequestsBalancingTakesLeasesAsBefore() throws Exception {
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10)).build();
        WorkerLeaseStore old = new WorkerLeaseStore(shared);
        old.withoutHandoffRequests();
        worker("w1", settings);
        put(400);
        await().until(() -> balanced(List.of("w1")));
        worker("w2", settings, old);

        await().until(() -> balanced(List.of("w1", "w2")));
        assertThat(taken("stolen")).isGreaterThanOrEqualTo(4);
        assertThat(count("w2", MetricNames.LEASE_HANDOFFS_REQUESTED)).isZero();
        await().until(this::allHandled);
        assertPerKeyOrderWithReplaysOnly();
    }

    @Test
    void anAbandonedWorkersShardsMoveAfterTheFailoverTime() throws Exception {
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(1)).build();
        WorkerLeaseStore cutOff = new WorkerLeaseStore(shared);
        worker("w1", settings, cutOff);
        worker("w2", settings);
        worker("w3", settings);
        put(400);
        await().until(() -> balanced(List.of("w1", "w2", "w3")));
        await().until(this::allHandled);

        // w1 can no longer reach the lease store: it stops renewing, and releases nothing.
        cutOff.partition();
        await().until(() -> balanced(List.of("w2", "w3")));
        await().until(() -> taken("expired") >= 2);
        assertThat(registries.get("w2").get(MetricNames.LEASE_RENEWAL_LATENCY).timer().count()).isPositive();
        await().until(() -> leasesLost("w1") >= 1);
        put(400);
        await().until(this::allHandled);

        assertPerKeyOrderWithReplaysOnly();
    }

    @Test
    void aPausedOwnerWhoseLeaseWasTakenCannotWriteItsLateCheckpoint() throws Exception {
        InMemoryStream single = InMemoryStream.create("single", 1);
        String shardId = single.openShardIds().getFirst();
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(1)).batchSize(10).build();
        WorkerLeaseStore paused = new WorkerLeaseStore(shared);
        RetainingMeterRegistry firstRegistry = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> first = EventSourceMapping.builder(NAME, single, handler).settings(settings)
                .leaseStore(paused).workerId("w1").meterRegistry(firstRegistry).build();
        first.start();
        started.add(first);
        for (int i = 0; i < 50; i++) {
            single.put("k" + i % KEYS, "r" + i);
        }
        String r49 = single.records(shardId).getLast().sequenceNumber();
        await().until(() -> shared.checkpoint(NAME, shardId).equals(
                java.util.Optional.of(new Checkpoint.AtSequenceNumber(r49))));

        // w1 stalls on every lease store call, a checkpoint write among them; w2 takes over after the failover.
        paused.pause();
        for (int i = 50; i < 100; i++) {
            single.put("k" + i % KEYS, "r" + i);
        }
        EventSourceMapping<byte[]> second = EventSourceMapping.builder(NAME, single, handler).settings(settings)
                .leaseStore(new WorkerLeaseStore(shared)).workerId("w2").build();
        second.start();
        started.add(second);
        String r99 = single.records(shardId).getLast().sequenceNumber();
        await().until(() -> shared.snapshot(NAME).get(shardId).owner().equals("w2")
                && shared.checkpoint(NAME, shardId).equals(
                        java.util.Optional.of(new Checkpoint.AtSequenceNumber(r99))));

        paused.resume();
        await().until(() -> paused.refusedCheckpoints() >= 1);
        await().until(() -> firstRegistry.get(MetricNames.LEASES_LOST).counter().count() >= 1);
        Lease lease = shared.snapshot(NAME).get(shardId);
        assertThat(lease.owner()).isEqualTo("w2");
        assertThat(lease.checkpoint()).isEqualTo(new Checkpoint.AtSequenceNumber(r99));
        assertThat(handler.succeeded().stream().map(Streams::text).distinct().count()).isEqualTo(100);
    }
}

package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A lease its owner released because another worker asked for it is left to the asker only as long as the asker
 * needs to take it: an asker that stops (or stalls, or reached its share another way) before it takes the lease does
 * not leave it unowned, with nobody taking it, until GracefulHandoffTimeout has passed.
 */
class HandedOverLeaseTest {

    private static final String NAME = "shared";

    private final InMemoryLeaseStore shared = new InMemoryLeaseStore();
    private final InMemoryStream stream = InMemoryStream.create("shared", 2);
    private final RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
    private final List<EventSourceMapping<byte[]>> started = new ArrayList<>();
    private final Map<String, RetainingMeterRegistry> registries = new HashMap<>();

    @AfterEach
    void stopAll() {
        started.forEach(Streams::stopQuietly);
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

    private Map<String, Long> owners() {
        return shared.list(NAME).stream().filter(l -> !l.ended() && l.owner() != null)
                .collect(Collectors.groupingBy(Lease::owner, Collectors.counting()));
    }

    private double count(String worker, String counter) {
        return registries.get(worker).find(counter).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void aLeaseHandedOverToAnAskerThatStopsBeforeTakingItIsTakenAgainWithoutWaitingForTheHandoffTimeout()
            throws Exception {
        // Neither the failover time nor GracefulHandoffTimeout can end the wait within the test: only the rule can.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10))
                .gracefulHandoffTimeout(Duration.ofMinutes(10)).build();
        worker("w2", settings, new WorkerLeaseStore(shared));
        await().until(() -> owners().equals(Map.of("w2", 2L)));

        // w1 asks w2 for one of its two leases, and gets no further than its take of it once w2 released it.
        WorkerLeaseStore asker = new WorkerLeaseStore(shared);
        asker.holdTakes();
        EventSourceMapping<byte[]> w1 = worker("w1", settings, asker);
        await().until(() -> count("w2", MetricNames.LEASE_HANDOFFS_COMPLETED) == 1);
        assertThat(count("w1", MetricNames.LEASE_HANDOFFS_REQUESTED)).isEqualTo(1);
        assertThat(owners()).isEqualTo(Map.of("w2", 1L));

        // w1 stops (its held take is interrupted and never reaches the store): w2, the only worker left, runs both
        // shards again. Before, w2 left the released lease to w1 for GracefulHandoffTimeout and counted w1 as a live
        // worker meanwhile, so that one shard stood still with nobody running it.
        w1.stop(Duration.ofSeconds(10));
        await().until(() -> owners().equals(Map.of("w2", 2L)));
        assertThat(count("w2", MetricNames.LEASE_HANDOFFS_TIMED_OUT)).isZero();
    }

    @Test
    void aLeaseWhoseReleaseFailedAtAHandoffToAnAskerThatStoppedIsTakenAgainOnceItExpires() throws Exception {
        // FailoverTime 2 s; GracefulHandoffTimeout cannot end the wait within the test.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(2))
                .gracefulHandoffTimeout(Duration.ofMinutes(10)).build();
        WorkerLeaseStore owner = new WorkerLeaseStore(shared);
        worker("w2", settings, owner);
        await().until(() -> owners().equals(Map.of("w2", 2L)));

        // w1 asks w2 for a lease and gets no further than its take; w2 hands it over, but the store fails the release:
        // the lease stays in w2's name with nobody running or renewing it.
        owner.failReleases();
        WorkerLeaseStore asker = new WorkerLeaseStore(shared);
        asker.holdTakes();
        EventSourceMapping<byte[]> w1 = worker("w1", settings, asker);
        await().until(() -> count("w1", MetricNames.LEASE_HANDOFFS_REQUESTED) == 1 && leasesRun("w2") == 1);
        w1.stop(Duration.ofSeconds(10));

        // w2, the only worker left, takes the lease again once it expired. Before, it kept off the lease, left to
        // w1, until GracefulHandoffTimeout (10 minutes here) after the hand-off began: the release that would have
        // started the shorter wait was never seen.
        await().atMost(Duration.ofSeconds(30)).until(() -> leasesRun("w2") == 2);
    }

    /**
     * A stale request: the asker went away before the owner noticed its request, and no request can be withdrawn.
     * The owner hands the shard over anyway (final checkpoint, release), leaves it to the asker for two of the
     * asker's rounds only, then takes it back: a pause of the shard of a few seconds, nothing handled twice or lost,
     * and no wait for GracefulHandoffTimeout or FailoverTime.
     */
    @Test
    void aRequestOfAnAskerThatWentAwayCostsTheOwnerOneShortPauseOfTheShard() throws Exception {
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10))
                .gracefulHandoffTimeout(Duration.ofMinutes(10)).build();
        worker("w2", settings, new WorkerLeaseStore(shared));
        await().until(() -> owners().equals(Map.of("w2", 2L)));
        stream.put("k", "before");
        await().until(() -> handler.succeeded().size() == 1);

        Lease asked = shared.list(NAME).stream().filter(l -> !l.ended()).findFirst().orElseThrow();
        assertThat(shared.requestHandoff(asked, "w-gone")).isInstanceOf(io.esm4j.lease.LeaseWrite.Written.class);

        await().until(() -> count("w2", MetricNames.LEASE_HANDOFFS_COMPLETED) == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> owners().equals(Map.of("w2", 2L)) && leasesRun("w2") == 2);
        assertThat(shared.list(NAME)).noneMatch(Lease::handoffRequested);
        for (String shardId : stream.openShardIds()) {
            stream.put(Streams.keyOn(stream, shardId, 0), "after on " + shardId);
        }
        await().until(() -> handler.succeeded().size() == 3);
        assertThat(handler.succeeded()).extracting(Streams::text)
                .containsExactlyInAnyOrder("before", "after on " + stream.openShardIds().get(0),
                        "after on " + stream.openShardIds().get(1));
    }

    /** The leases a worker runs (its LeasesHeld gauge), whatever the store shows in its name. */
    private double leasesRun(String worker) {
        return registries.get(worker).get(MetricNames.LEASES_HELD).gauge().value();
    }
}

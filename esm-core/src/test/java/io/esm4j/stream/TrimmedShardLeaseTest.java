package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A shard the stream dropped (past retention) while its lease still had records to go, as a DynamoDB Streams shard
 * 24 hours after it closed: the lease is neither taken nor read (which could only fail, for ever), the mapping shows
 * no problem for it, the lease is deleted and the loss is counted; its children are read as usual.
 */
class TrimmedShardLeaseTest {

    private static final String NAME = "trimmed";

    private final InMemoryStream stream = InMemoryStream.create("trimmed", 1);
    private final InMemoryLeaseStore leases = new InMemoryLeaseStore();
    private final Set<String> taken = ConcurrentHashMap.newKeySet();
    private final ForwardingLeaseStore store = new ForwardingLeaseStore(leases) {
        @Override
        public LeaseWrite take(Lease seen, String worker) throws Exception {
            taken.add(seen.shardId());
            return super.take(seen, worker);
        }
    };

    private EventSourceMapping<byte[]> start(RecordingHandler<byte[]> handler, RetainingMeterRegistry registry) {
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, stream, handler)
                .settings(Streams.fast().build()).leaseStore(store).meterRegistry(registry).build();
        mapping.start();
        return mapping;
    }

    private Optional<Lease> lease(String shardId) {
        return leases.list(NAME).stream().filter(l -> l.shardId().equals(shardId)).findFirst();
    }

    @Test
    void anUnfinishedLeaseOfAShardNoLongerListedIsNotTakenAndIsDeleted() throws Exception {
        String parent = stream.openShardIds().getFirst();
        Streams.fill(stream, 5, 5);
        String lastRead = stream.records(parent).getLast().sequenceNumber();
        RecordingHandler<byte[]> first = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> before = start(first, new RetainingMeterRegistry());
        try {
            await().until(() -> lease(parent).map(Lease::checkpoint),
                    Optional.<Checkpoint>of(new Checkpoint.AtSequenceNumber(lastRead))::equals);
        } finally {
            Streams.stopQuietly(before);
        }
        for (int i = 5; i < 10; i++) {
            stream.put("k" + i, "unread" + i);
        }
        List<String> children = stream.split(parent);
        for (int i = 0; i < 10; i++) {
            stream.put("c" + i, "child" + i);
        }
        stream.trim(parent);
        taken.clear();

        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> mapping = start(handler, registry);
        try {
            // The status view is the leases as the last round listed them: it may show the lease for one round more.
            await().until(() -> handler.succeeded().size() >= 10 && lease(parent).isEmpty()
                    && mapping.shards().stream().noneMatch(shard -> shard.shardId().equals(parent)));

            assertThat(taken).containsExactlyInAnyOrderElementsOf(children);
            assertThat(handler.succeeded()).allSatisfy(r -> assertThat(children).contains(r.shardId()));
            assertThat(mapping.stateTransitionReason()).doesNotStartWith("PROBLEM");
            assertThat(registry.get(MetricNames.UNFINISHED_SHARDS_EXPIRED).counter().count()).isEqualTo(1);
            assertThat(registry.get(MetricNames.POLLING_ERROR_COUNT).counter().count()).isZero();
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    /** One listing that misses a shard (an eventually consistent DescribeStream) ends nothing: two in a row must. */
    @Test
    void aShardMissingFromOneListingOnlyKeepsItsLease() throws Exception {
        String shard = stream.openShardIds().getFirst();
        AtomicInteger listings = new AtomicInteger();
        ForwardingStreamSource<byte[]> flaky = new ForwardingStreamSource<>(stream) {
            @Override
            public List<Shard> listShards() throws Exception {
                List<Shard> shards = super.listShards();
                return listings.incrementAndGet() == 2 ? List.of() : shards;
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, flaky, handler)
                .settings(Streams.fast().build()).leaseStore(store).meterRegistry(registry).build();
        mapping.start();
        try {
            Streams.fill(stream, 5, 5);
            await().until(() -> handler.succeeded().size() >= 5 && listings.get() >= 4);
            stream.put("k", "after");

            await().until(() -> handler.succeeded().size() >= 6);
            assertThat(lease(shard)).isPresent();
            assertThat(registry.get(MetricNames.UNFINISHED_SHARDS_EXPIRED).counter().count()).isZero();
            // Its shard worker was not stopped as for a shard that is gone.
            assertThat(registry.get(MetricNames.LEASES_LOST).counter().count()).isZero();
        } finally {
            Streams.stopQuietly(mapping);
        }
    }
    /**
     * A reader that found its position expired (as IteratorShardReader reports a TrimmedDataAccessException) is
     * counted once per report; the records it returns are handled as usual and the mapping shows no problem.
     */
    @Test
    void aReadPositionThatExpiredIsCounted() throws Exception {
        AtomicInteger reports = new AtomicInteger(1);
        ForwardingStreamSource<byte[]> expiring = new ForwardingStreamSource<>(stream) {
            @Override
            public ShardReader<byte[]> openReader(String shardId, ReadStart start) throws Exception {
                ShardReader<byte[]> reader = super.openReader(shardId, start);
                return new ShardReader<>() {
                    @Override
                    public FetchResult<byte[]> fetch(int maxRecords) throws Exception {
                        FetchResult<byte[]> result = reader.fetch(maxRecords);
                        boolean expired = !result.records().isEmpty()
                                && reports.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
                        return new FetchResult<>(result.records(), result.millisBehindLatest(), result.shardEnded(),
                                expired);
                    }

                    @Override
                    public void close() {
                        reader.close();
                    }
                };
            }
        };
        Streams.fill(stream, 5, 5);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, expiring, handler)
                .settings(Streams.fast().build()).leaseStore(store).meterRegistry(registry).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() >= 5);

            assertThat(registry.get(MetricNames.READ_POSITIONS_EXPIRED).counter().count()).isEqualTo(1);
            assertThat(mapping.stateTransitionReason()).doesNotStartWith("PROBLEM");
        } finally {
            Streams.stopQuietly(mapping);
        }
    }
}

package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.stream.Shard;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The listing that confirms a parent trimmed before the mapping knew it comes soon: until then the parent's children
 * have no lease, and a fresh start at LATEST on a stream older than its retention would begin that much later.
 */
class ShardSyncTest {

    @ParameterizedTest
    @EnumSource(value = StartingPosition.class, names = {"TRIM_HORIZON", "LATEST"})
    void aShardWaitingForAMissedParentIsListedAgainSoonerThanShardSyncInterval(StartingPosition position)
            throws Exception {
        InMemoryStream stream = InMemoryStream.create("trimmed-parent", 1);
        String parent = stream.openShardIds().getFirst();
        stream.split(parent);
        stream.trim(parent);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        ShardSync sync = new ShardSync(context("trimmed-parent", stream, leases, StreamSettings.builder()
                .startingPosition(position).shardSyncInterval(Duration.ofMinutes(5)).build()));

        sync.sync();
        long synced = System.nanoTime();

        assertThat(leases.list("trimmed-parent")).as("children wait for the missed parent").isEmpty();
        assertThat(sync.nextSyncNanos() - synced).as("the confirming listing is due within")
                .isLessThanOrEqualTo(ShardSync.PARENT_CONFIRMATION_NANOS);

        sync.sync();

        assertThat(leases.list("trimmed-parent")).extracting(Lease::shardId)
                .containsExactlyInAnyOrderElementsOf(stream.openShardIds());
        long after = System.nanoTime();
        assertThat(sync.nextSyncNanos() - after).as("nothing waits: the next listing after ShardSyncInterval")
                .isGreaterThan(Duration.ofMinutes(4).toNanos());
    }

    /**
     * A finished parent's lease stays until its children have leases that have begun: a child that the listings
     * missed until the parent was no longer listed (eventually consistent listings) still learns that the parent was
     * read to the end, and starts at TRIM_HORIZON instead of at LATEST, skipping its first records. Once the children
     * have begun the parent's lease goes, so that lease tables do not grow, and a listing that shows the parent again
     * gets it created ended, not read again.
     */
    @Test
    void aFinishedParentsLeaseStaysUntilItsChildrenHaveBegun() throws Exception {
        InMemoryStream stream = InMemoryStream.create("late-child", 1);
        String parent = stream.openShardIds().getFirst();
        List<String> children = stream.split(parent);
        stream.trim(parent);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        leases.create(Lease.unowned("late-child", parent, Checkpoint.ShardEnd.INSTANCE, List.of()));
        MissingListing listing = new MissingListing(stream);
        listing.hidden.addAll(children);
        ShardSync sync = new ShardSync(context("late-child", listing, leases, StreamSettings.builder()
                .startingPosition(StartingPosition.LATEST).shardSyncInterval(Duration.ofMinutes(5)).build()));

        // The listings miss the children for a while, and no longer show the parent.
        for (int i = 0; i < 3; i++) {
            sync.sync();
        }
        assertThat(leases.snapshot("late-child")).containsOnlyKeys(parent);

        listing.hidden.clear();
        sync.sync();
        sync.sync();
        Map<String, Lease> seeded = leases.snapshot("late-child");
        assertThat(seeded).containsOnlyKeys(parent, children.get(0), children.get(1));
        assertThat(children).allSatisfy(child -> assertThat(seeded.get(child).checkpoint())
                .as("the start of child %s", child).isEqualTo(Checkpoint.TrimHorizon.INSTANCE));

        // The parent's lease stays while a child has not begun, and goes once both have.
        begin(leases, children.get(0));
        sync.sync();
        assertThat(leases.snapshot("late-child")).containsKey(parent);
        begin(leases, children.get(1));
        sync.sync();
        assertThat(leases.snapshot("late-child")).containsOnlyKeys(children.get(0), children.get(1));

        // A stale listing shows the parent again: its children's leases say it was done.
        listing.extra.add(new Shard(parent, List.of()));
        sync.sync();
        assertThat(leases.snapshot("late-child").get(parent).checkpoint()).isEqualTo(Checkpoint.ShardEnd.INSTANCE);
    }

    /**
     * A listing that misses a finished parent once, while it also misses the parent's new children: the parent's
     * lease stays, and the next listing, which shows them all, does not seed the parent again from TRIM_HORIZON
     * (every record of it handled twice) and seeds its children to be read.
     */
    @Test
    void aFinishedParentMissedOnceIsNotReadAgain() throws Exception {
        InMemoryStream stream = InMemoryStream.create("missed-parent", 1);
        String parent = stream.openShardIds().getFirst();
        List<String> children = stream.split(parent);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        leases.create(Lease.unowned("missed-parent", parent, Checkpoint.ShardEnd.INSTANCE, List.of()));
        MissingListing listing = new MissingListing(stream);
        listing.hidden.add(parent);
        listing.hidden.addAll(children);
        ShardSync sync = new ShardSync(context("missed-parent", listing, leases, StreamSettings.builder()
                .startingPosition(StartingPosition.TRIM_HORIZON).shardSyncInterval(Duration.ofMinutes(5)).build()));

        sync.sync();
        listing.hidden.clear();
        sync.sync();

        Map<String, Lease> seeded = leases.snapshot("missed-parent");
        assertThat(seeded).containsOnlyKeys(parent, children.get(0), children.get(1));
        assertThat(seeded.get(parent).checkpoint()).isEqualTo(Checkpoint.ShardEnd.INSTANCE);
        assertThat(children).allSatisfy(child -> assertThat(seeded.get(child).checkpoint())
                .isEqualTo(Checkpoint.TrimHorizon.INSTANCE));
    }

    /**
     * A split's second child that the listings missed until its sibling had begun, and so until the parent's finished
     * lease went: the parent no longer listed (trimmed), or missed by the same listing as the child (eventually
     * consistent). The sibling's lease names the parent: the late child starts at TRIM_HORIZON, not at LATEST, which
     * would skip every record written to it so far.
     */
    @ParameterizedTest(name = "parent trimmed: {0}")
    @ValueSource(booleans = {true, false})
    void aLateSiblingOfABegunChildStartsAtTrimHorizon(boolean parentTrimmed) throws Exception {
        String name = "late-sibling-" + parentTrimmed;
        InMemoryStream stream = InMemoryStream.create(name, 1);
        String parent = stream.openShardIds().getFirst();
        List<String> children = stream.split(parent);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        leases.create(Lease.unowned(name, parent, Checkpoint.ShardEnd.INSTANCE, List.of()));
        MissingListing listing = new MissingListing(stream);
        listing.hidden.add(children.get(1));
        ShardSync sync = new ShardSync(context(name, listing, leases, StreamSettings.builder()
                .startingPosition(StartingPosition.LATEST).shardSyncInterval(Duration.ofMinutes(5)).build()));

        sync.sync();
        begin(leases, name, children.get(0));
        if (parentTrimmed) {
            stream.trim(parent);
        } else {
            listing.hidden.add(parent);
        }
        sync.sync();
        assertThat(leases.snapshot(name)).as("every listed child has begun: the parent's lease went")
                .containsOnlyKeys(children.get(0));

        listing.hidden.clear();
        sync.sync();
        sync.sync();
        Map<String, Lease> seeded = leases.snapshot(name);
        assertThat(seeded).containsKey(children.get(1));
        assertThat(seeded.get(children.get(1)).checkpoint()).isEqualTo(Checkpoint.TrimHorizon.INSTANCE);
        if (!parentTrimmed) {
            assertThat(seeded.get(parent).checkpoint()).as("listed again, not read again")
                    .isEqualTo(Checkpoint.ShardEnd.INSTANCE);
        }
    }

    /**
     * A finished shard without children (a DynamoDB stream disabled, a Kinesis stream whose last shards closed): its
     * lease stays while the shard is listed, and while the listings have missed it for less than CHILDLESS_GRACE (a
     * finished shard whose new children the listings miss as well looks the same); it goes after.
     */
    @Test
    void aFinishedLeaseWithoutChildrenGoesOnceItsShardHasNotBeenListedForAWhile() throws Exception {
        InMemoryStream stream = InMemoryStream.create("childless", 1);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        leases.create(Lease.unowned("childless", "closed-listed", Checkpoint.ShardEnd.INSTANCE, List.of()));
        leases.create(Lease.unowned("childless", "closed-dropped", Checkpoint.ShardEnd.INSTANCE, List.of()));
        MissingListing listing = new MissingListing(stream);
        listing.extra.add(new Shard("closed-listed", List.of()));
        Shard dropped = new Shard("closed-dropped", List.of());
        listing.extra.add(dropped);
        MutableClock clock = MutableClock.startingNow();
        ShardSync sync = new ShardSync(context("childless", listing, leases, StreamSettings.builder()
                .startingPosition(StartingPosition.TRIM_HORIZON).shardSyncInterval(Duration.ofMinutes(5)).build(),
                clock));

        sync.sync();
        // The listings miss the shard for almost the grace, then show it again: they lagged, nothing more.
        listing.extra.remove(dropped);
        sync.sync();
        clock.advance(ShardSync.CHILDLESS_GRACE.minusSeconds(1));
        sync.sync();
        listing.extra.add(dropped);
        sync.sync();
        clock.advance(ShardSync.CHILDLESS_GRACE);
        sync.sync();
        assertThat(leases.snapshot("childless")).containsKeys("closed-listed", "closed-dropped");

        listing.extra.remove(dropped);
        sync.sync();
        clock.advance(ShardSync.CHILDLESS_GRACE.minusSeconds(1));
        sync.sync();
        assertThat(leases.snapshot("childless")).as("missed for less than the grace").containsKey("closed-dropped");
        clock.advance(Duration.ofSeconds(1));
        sync.sync();
        assertThat(leases.snapshot("childless")).as("missed for the grace").doesNotContainKey("closed-dropped");
        assertThat(leases.snapshot("childless").get("closed-listed").checkpoint()).as("listed: kept")
                .isEqualTo(Checkpoint.ShardEnd.INSTANCE);
    }

    private static void begin(InMemoryLeaseStore leases, String shardId) throws Exception {
        begin(leases, "late-child", shardId);
    }

    /** The child's worker takes its lease and checkpoints a first record. */
    private static void begin(InMemoryLeaseStore leases, String mapping, String shardId) throws Exception {
        Lease seen = leases.snapshot(mapping).get(shardId);
        Lease taken = ((LeaseWrite.Written) leases.take(seen, "worker")).lease();
        assertThat(leases.checkpoint(taken, new Checkpoint.AtSequenceNumber("1")))
                .isInstanceOf(LeaseWrite.Written.class);
    }

    /** The stream's listing without the {@link #hidden} shards and with the {@link #extra} ones. */
    private static final class MissingListing extends ForwardingStreamSource<byte[]> {
        final Set<String> hidden = ConcurrentHashMap.newKeySet();
        final List<Shard> extra = new ArrayList<>();

        MissingListing(InMemoryStream stream) {
            super(stream);
        }

        @Override
        public List<Shard> listShards() throws Exception {
            List<Shard> listed = new ArrayList<>(super.listShards().stream()
                    .filter(shard -> !hidden.contains(shard.shardId())).toList());
            listed.addAll(extra);
            return listed;
        }
    }

    private static StreamContext<byte[]> context(String name, StreamSource<byte[]> stream, InMemoryLeaseStore leases,
                                                 StreamSettings settings) {
        return context(name, stream, leases, settings, Clock.systemUTC());
    }

    private static StreamContext<byte[]> context(String name, StreamSource<byte[]> stream, InMemoryLeaseStore leases,
                                                 StreamSettings settings, Clock clock) {
        EngineMetrics metrics = new EngineMetrics(new SimpleMeterRegistry(), name,
                EngineMetrics.Kind.STREAM);
        MappingStatus status = new MappingStatus();
        Invoker<StreamRecord<byte[]>> invoker = new Invoker<>(name, batch -> BatchResult.success(), null,
                stream::naturalId, stream::itemIdentifier, false, new RetryScope.FromLowestFailure<>(), metrics,
                status);
        return new StreamContext<>(name, "worker", settings, stream,
                new RecordFilter<>(FilterCriteria.none(), stream, name), leases, failure -> { }, invoker,
                metrics, clock, new RetryBackoff(settings.retryBackoffInitial(),
                settings.retryBackoffMax()), status, null);
    }
}

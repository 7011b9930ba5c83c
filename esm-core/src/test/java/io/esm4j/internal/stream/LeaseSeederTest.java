package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.Shard;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Where each new shard's lease starts (docs/lambda-semantics.md, lineage; the shard state machine in esm-core). */
class LeaseSeederTest {

    private static final Instant T = Instant.parse("2024-05-01T12:00:00Z");
    private static final Checkpoint TRIM = Checkpoint.TrimHorizon.INSTANCE;
    private static final Checkpoint LATEST = Checkpoint.Latest.INSTANCE;
    private static final Checkpoint END = Checkpoint.ShardEnd.INSTANCE;

    private final Map<String, Lease> existing = new HashMap<>();
    /** Parents that two listings in a row missed (ShardSync): trimmed. */
    private final Set<String> parentsGone = new HashSet<>();

    private static StreamSettings settings(StartingPosition position) {
        return position == StartingPosition.AT_TIMESTAMP
                ? StreamSettings.builder().startingPositionAtTimestamp(T).build()
                : StreamSettings.builder().startingPosition(position).build();
    }

    private Map<String, Checkpoint> seed(StartingPosition position, Shard... listing) {
        return LeaseSeeder.newLeases("m", List.of(listing), existing, parentsGone, settings(position)).stream()
                .collect(Collectors.toMap(Lease::shardId, Lease::checkpoint));
    }

    private static Shard child(String id, String... parents) {
        return new Shard(id, List.of(parents));
    }

    private void exists(String shardId, Checkpoint checkpoint) {
        existing.put(shardId, Lease.unowned("m", shardId, checkpoint, List.of()));
    }

    @Test
    void trimHorizonStartsEveryShardAtTheOldestRecordAndKeepsTheParents() {
        List<Lease> leases = LeaseSeeder.newLeases("m", List.of(Shard.root("r0"), child("c1", "r0"),
                child("m2", "c1", "r0")), existing, parentsGone, settings(StartingPosition.TRIM_HORIZON));

        assertThat(leases).extracting(Lease::shardId).containsExactly("r0", "c1", "m2");
        assertThat(leases).allSatisfy(lease -> {
            assertThat(lease.checkpoint()).isEqualTo(TRIM);
            assertThat(lease.owner()).isNull();
            assertThat(lease.counter()).isZero();
        });
        assertThat(leases.get(2).parentIds()).containsExactly("c1", "r0");
    }

    /**
     * A parent listed again (a stale listing) after its finished lease went: a child's lease that has begun shows it
     * was done, so it is created ended instead of being read again (from TRIM_HORIZON, after its child). A child that
     * has not begun shows nothing of the kind.
     */
    @ParameterizedTest
    @EnumSource(StartingPosition.class)
    void aShardWhoseChildHasBegunIsCreatedEnded(StartingPosition position) {
        existing.put("c1", Lease.unowned("m", "c1", new Checkpoint.AtSequenceNumber("7"), List.of("r0")));
        existing.put("c2", Lease.unowned("m", "c2", TRIM, List.of("r0")));
        existing.put("d1", Lease.unowned("m", "d1", TRIM, List.of("r1")));

        Map<String, Checkpoint> seeded = seed(position, Shard.root("r0"), Shard.root("r1"), child("c1", "r0"),
                child("c2", "r0"), child("d1", "r1"));
        assertThat(seeded).containsEntry("r0", END);
        if (position != StartingPosition.LATEST) {
            // With LATEST a closed shard the mapping never read is created ended anyway.
            assertThat(seeded).doesNotContainEntry("r1", END);
        }
    }

    @Test
    void aFinishedParentsLeaseMayGoOnlyOnceEveryChildIsKnownAndHasBegun() {
        Checkpoint begun = new Checkpoint.AtSequenceNumber("7");
        List<Shard> listing = List.of(child("c1", "r0"), child("c2", "r0"));
        exists("r0", END);
        assertThat(LeaseSeeder.childrenBegun("r0", listing, existing)).as("no child lease yet").isFalse();
        existing.put("c1", Lease.unowned("m", "c1", begun, List.of("r0")));
        assertThat(LeaseSeeder.childrenBegun("r0", listing, existing)).as("c2 listed without a lease").isFalse();
        existing.put("c2", Lease.unowned("m", "c2", TRIM, List.of("r0")));
        assertThat(LeaseSeeder.childrenBegun("r0", listing, existing)).as("c2 not begun").isFalse();
        existing.put("c2", Lease.unowned("m", "c2", END, List.of("r0")));
        assertThat(LeaseSeeder.childrenBegun("r0", listing, existing)).isTrue();
        assertThat(LeaseSeeder.childrenBegun("r0", List.of(), Map.of("r0", existing.get("r0"))))
                .as("a finished shard without children").isFalse();
    }

    @Test
    void aChildListedBeforeItsParentIsStillDecidedAfterIt() {
        assertThat(seed(StartingPosition.LATEST, child("c1", "r0"), Shard.root("r0")))
                .containsEntry("r0", END).containsEntry("c1", LATEST);
    }

    @Test
    void latestEndsClosedShardsNeverReadAndStartsOpenLeavesAtLatest() {
        // r0 split into c1, c2; c1 split into g3, g4. Only c2, g3 and g4 are open.
        assertThat(seed(StartingPosition.LATEST, Shard.root("r0"), child("c1", "r0"), child("c2", "r0"),
                child("g3", "c1"), child("g4", "c1")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("r0", END, "c1", END, "c2", LATEST, "g3", LATEST,
                        "g4", LATEST));
    }

    @Test
    void aChildOfAShardTheMappingKnowsStartsAtTrimHorizonEvenWithLatest() {
        // r0 was being read when it split: its children must not lose what was written after the split.
        exists("r0", new Checkpoint.AtSequenceNumber("0042"));

        assertThat(seed(StartingPosition.LATEST, Shard.root("r0"), child("c1", "r0"), child("c2", "r0")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("c1", TRIM, "c2", TRIM));
    }

    @Test
    void aChildOfAShardFinishedInAnEarlierRunStartsAtTrimHorizon() {
        exists("r0", END);

        assertThat(seed(StartingPosition.LATEST, Shard.root("r0"), child("c1", "r0")))
                .containsExactlyEntriesOf(Map.of("c1", TRIM));
    }

    @Test
    void atTimestampShardsAndTheirChildrenKeepTheTimestamp() {
        Checkpoint atT = new Checkpoint.AtTimestamp(T);

        assertThat(seed(StartingPosition.AT_TIMESTAMP, Shard.root("r0"), child("c1", "r0")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("r0", atT, "c1", atT));
    }

    @Test
    void shardsThatHaveALeaseAreLeftAlone() {
        exists("r0", new Checkpoint.AtSequenceNumber("0042"));
        exists("c1", new Checkpoint.AtSequenceNumber("0100"));

        assertThat(seed(StartingPosition.TRIM_HORIZON, Shard.root("r0"), child("c1", "r0"), Shard.root("r2")))
                .containsExactlyEntriesOf(Map.of("r2", TRIM));
    }

    @Test
    void aChildOfAShardTheMappingReadsStartsAtTrimHorizonAlsoWhenTheListingMissesTheParent() {
        // An eventually consistent listing (DynamoDB's DescribeStream) showed the children without r0, which the
        // mapping is reading: at LATEST they would skip what was written to them since the split.
        exists("r0", new Checkpoint.AtSequenceNumber("0042"));

        assertThat(seed(StartingPosition.LATEST, child("c1", "r0"), child("c2", "r0")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("c1", TRIM, "c2", TRIM));
    }

    @ParameterizedTest
    @EnumSource(StartingPosition.class)
    void aShardWhoseParentTheListingMissesWithoutLeaseWaitsForTheNextListing(StartingPosition position) {
        // An eventually consistent listing missed r0, which split into c1 (closed since: split into g2) and c3. Seeded
        // as shards without parents, c1 and c3 would be read before r0, which the next listing may well show.
        assertThat(seed(position, child("c1", "r0"), child("g2", "c1"), child("c3", "r0"), Shard.root("r4")))
                .containsOnlyKeys("r4");
    }

    @Test
    void aShardWhoseParentTwoListingsMissedIsSeededAsIfItHadNone() {
        parentsGone.add("r0");

        assertThat(seed(StartingPosition.TRIM_HORIZON, child("c1", "r0"), child("g2", "c1"), child("c3", "r0")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("c1", TRIM, "g2", TRIM, "c3", TRIM));
        assertThat(seed(StartingPosition.LATEST, child("c1", "r0"), child("g2", "c1"), child("c3", "r0")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("c1", END, "g2", LATEST, "c3", LATEST));
    }

    @Test
    void parentsAbsentFromTheListingDoNotCountOnceTwoListingsMissedThem() {
        // r0 and r1 were trimmed away; of the merge child's parents only c2 is still listed.
        parentsGone.addAll(List.of("r0", "r1", "gone"));
        assertThat(seed(StartingPosition.LATEST, child("c1", "r0"), child("c2", "r1"), child("m3", "c2", "gone")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("c1", LATEST, "c2", END, "m3", LATEST));
    }

    @Test
    void unfinishedLeasesOfShardsNoLongerListedWhoseParentsAreDoneAreGone() {
        exists("r0", END);
        existing.put("c1", Lease.unowned("m", "c1", new Checkpoint.AtSequenceNumber("0042"), List.of("r0")));
        existing.put("c2", Lease.unowned("m", "c2", TRIM, List.of("r0")));
        existing.put("g3", Lease.unowned("m", "g3", TRIM, List.of("c1")));
        existing.put("m4", Lease.unowned("m", "m4", TRIM, List.of("c2")));

        // c1 and its child g3 were trimmed away unfinished; c2 is listed and unfinished, so its unlisted child m4
        // still waits for it (a child is never gone before its parent).
        assertThat(LeaseSeeder.gone(existing, Set.of("c2"))).containsExactlyInAnyOrder("c1", "g3");
    }

    /**
     * r0 split into c1 and c2; c1 was seeded and has begun while the listings missed c2, so r0's finished lease went
     * (every listed child had begun). c2, listed at last, finds c1's lease naming r0: a child of a shard the mapping
     * read, it starts at TRIM_HORIZON (AT_TIMESTAMP keeps the timestamp), not at LATEST, which would skip its records;
     * and it does not wait for r0 to be listed, r0 is done.
     */
    @ParameterizedTest
    @EnumSource(StartingPosition.class)
    void aLateSiblingOfABegunChildStartsAtTrimHorizonAfterTheParentsLeaseWent(StartingPosition position) {
        existing.put("c1", Lease.unowned("m", "c1", new Checkpoint.AtSequenceNumber("7"), List.of("r0")));
        Checkpoint expected = position == StartingPosition.AT_TIMESTAMP ? new Checkpoint.AtTimestamp(T) : TRIM;

        assertThat(seed(position, child("c1", "r0"), child("c2", "r0")))
                .as("r0 no longer listed").containsExactlyEntriesOf(Map.of("c2", expected));
        parentsGone.add("r0");
        assertThat(seed(position, child("c1", "r0"), child("c2", "r0")))
                .as("r0 missed by two listings").containsExactlyEntriesOf(Map.of("c2", expected));
        // A stale listing shows r0 again with c2: r0 is created ended (c1 has begun), c2 is still its child.
        assertThat(seed(position, Shard.root("r0"), child("c1", "r0"), child("c2", "r0")))
                .as("r0 listed again").containsExactlyInAnyOrderEntriesOf(Map.of("r0", END, "c2", expected));
    }

    /** The same when the sibling has a lease that has not begun yet, or has ended and its own children have leases. */
    @Test
    void aLateSiblingFollowsAnySiblingsLease() {
        existing.put("c1", Lease.unowned("m", "c1", END, List.of("r0")));
        existing.put("g3", Lease.unowned("m", "g3", TRIM, List.of("c1")));

        assertThat(seed(StartingPosition.LATEST, child("c1", "r0"), child("c2", "r0"), child("g3", "c1")))
                .containsExactlyEntriesOf(Map.of("c2", TRIM));
    }

    @Test
    void aFinishedLeaseLooksChildlessWhileNothingListedOrLeasedNamesIt() {
        exists("r0", END);
        exists("r1", END);
        exists("r3", END);
        exists("x", END);
        exists("open", TRIM);
        existing.put("c2", Lease.unowned("m", "c2", TRIM, List.of("r1")));
        List<Shard> listing = List.of(Shard.root("x"), child("c2", "r1"), child("c4", "r3"));

        assertThat(LeaseSeeder.childlessAndUnlisted(listing, existing))
                .as("not r1 (c2's lease names it), r3 (listed c4, without a lease yet, names it), x (listed), "
                        + "open (not finished)")
                .containsExactly("r0");
    }
}

package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Count-based balancing, expired leases first, bounded steals (taken, or asked for and taken only after the
 * hand-off timeout), parent before child across workers.
 */
class LeaseBalancerTest {

    private static final Checkpoint TRIM = Checkpoint.TrimHorizon.INSTANCE;
    private final Random random = new Random(7);

    private static Lease lease(String shardId, String owner, String... parents) {
        return new Lease("m", shardId, owner, 1, TRIM, List.of(parents), 0);
    }

    private static Lease ended(String shardId, String owner) {
        return new Lease("m", shardId, owner, 1, Checkpoint.ShardEnd.INSTANCE, List.of(), 0);
    }

    private List<String> take(String me, List<Lease> leases, Set<String> listed, Set<String> expired, int steals) {
        return take(me, leases, listed, Set.of(), expired, steals);
    }

    private List<String> take(String me, List<Lease> leases, Set<String> listed, Set<String> gone,
                              Set<String> expired, int steals) {
        LeaseBalancer.Plan plan = LeaseBalancer.plan(me, leases, listed, gone, expired, steals,
                LeaseBalancer.Handoffs.NONE, random);
        assertThat(plan.request()).isEmpty();
        return ids(plan.take());
    }

    private LeaseBalancer.Plan soft(String me, List<Lease> leases, Set<String> timedOut, int steals) {
        return soft(me, leases, timedOut, Map.of(), steals);
    }

    private LeaseBalancer.Plan soft(String me, List<Lease> leases, Set<String> timedOut,
                                    Map<String, String> handedOver, int steals) {
        return LeaseBalancer.plan(me, leases, null, Set.of(), Set.of(), steals,
                new LeaseBalancer.Handoffs(true, timedOut, handedOver), random);
    }

    private static List<String> ids(List<Lease> leases) {
        return leases.stream().map(Lease::shardId).toList();
    }

    private static List<Lease> shards(int count, String owner) {
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            leases.add(lease("s" + i, owner));
        }
        return leases;
    }

    @Test
    void aLoneWorkerTakesEveryFreeLease() {
        assertThat(take("a", shards(8, null), null, Set.of(), 1)).hasSize(8);
    }

    @Test
    void workersConvergeToEvenSharesWithinOne() {
        List<Lease> leases = shards(8, null);
        Map<String, Integer> owned = new HashMap<>();
        // Three workers take in turns, each round with the leases as the others left them.
        for (int round = 0; round < 10; round++) {
            for (String worker : List.of("a", "b", "c")) {
                for (String shardId : take(worker, leases, null, Set.of(), 1)) {
                    leases.replaceAll(l -> l.shardId().equals(shardId) ? l.taken(worker) : l);
                }
            }
        }
        leases.forEach(l -> owned.merge(l.owner(), 1, Integer::sum));
        assertThat(owned).containsOnlyKeys("a", "b", "c");
        assertThat(owned.values()).allSatisfy(count -> assertThat(count).isBetween(2, 3));
    }

    @Test
    void expiredLeasesAreTakenBeforeAnyIsStolen() {
        List<Lease> leases = new ArrayList<>(shards(4, "a"));
        leases.add(lease("x0", "dead"));
        leases.add(lease("x1", "dead"));

        // Target is 3 (6 leases, live workers a and b... and dead, until its leases count as expired).
        assertThat(take("b", leases, null, Set.of("x0", "x1"), 5)).containsExactlyInAnyOrder("x0", "x1");
    }

    @Test
    void stealsAreBoundedPerRoundAndOnlyFromAWorkerAboveTarget() {
        List<Lease> leases = shards(8, "a");

        assertThat(take("b", leases, null, Set.of(), 1)).hasSize(1);
        assertThat(take("b", leases, null, Set.of(), 3)).hasSize(3);
        assertThat(take("b", leases, null, Set.of(), 0)).isEmpty();

        // a holds 4, b holds 4: nothing to steal.
        List<Lease> even = new ArrayList<>(shards(4, "a"));
        for (int i = 4; i < 8; i++) {
            even.add(lease("s" + i, "b"));
        }
        assertThat(take("b", even, null, Set.of(), 5)).isEmpty();
    }

    @Test
    void aWorkerAtItsShareTakesNothing() {
        List<Lease> leases = new ArrayList<>(shards(3, "a"));
        leases.add(lease("s3", "b"));
        leases.add(lease("s4", "b"));
        leases.add(lease("s5", null));

        assertThat(take("a", leases, null, Set.of(), 1)).isEmpty();
        assertThat(take("b", leases, null, Set.of(), 1)).containsExactly("s5");
    }

    @Test
    void aChildIsTakenOnlyAfterEveryListedParentEnded() {
        List<Lease> leases = List.of(lease("r0", "a"), lease("r1", null), lease("c2", null, "r0", "r1"));
        Set<String> listed = Set.of("r0", "r1", "c2");

        assertThat(take("b", leases, listed, Set.of(), 1)).containsExactly("r1");

        List<Lease> parentsDone = List.of(ended("r0", "a"), ended("r1", "b"), lease("c2", null, "r0", "r1"));
        assertThat(take("b", parentsDone, listed, Set.of(), 1)).containsExactly("c2");
    }

    @Test
    void aParentTheStreamNoLongerListsDoesNotBlock() {
        List<Lease> leases = List.of(lease("r0", "a"), lease("c1", null, "r0"));

        assertThat(take("b", leases, Set.of("c1"), Set.of("r0"), Set.of(), 1)).containsExactly("c1");
        // Before the first listing, the parent's lease decides.
        assertThat(take("b", leases, null, Set.of(), 1)).isEmpty();
    }

    @Test
    void aParentThatOneListingMissesStillBlocks() {
        // An eventually consistent listing (DynamoDB's DescribeStream) missed r0, which a still reads: only once two
        // listings in a row missed it (ShardSync's gone) may its child start, or it would overtake r0's records.
        List<Lease> leases = List.of(lease("r0", "a"), lease("c1", null, "r0"));

        assertThat(take("b", leases, Set.of("c1"), Set.of(), 1)).isEmpty();
    }

    @Test
    void anUnfinishedLeaseOfAShardTheStreamNoLongerListsIsNeitherTakenNorCounted() {
        // r0 was trimmed away before it was read to its end; a and b hold one child each, their even share.
        List<Lease> leases = List.of(lease("r0", null), lease("c1", "a", "r0"), lease("c2", "b", "r0"));

        assertThat(take("a", leases, Set.of("c1", "c2"), Set.of(), 1)).isEmpty();
        assertThat(take("a", leases, Set.of("c1", "c2"), Set.of("r0"), 1)).isEmpty();
        // Before the first listing nothing is known to be gone.
        assertThat(take("a", leases, null, Set.of(), 1)).containsExactly("r0");
    }

    @Test
    void aListedParentWithoutALeaseYetBlocks() {
        assertThat(take("a", List.of(lease("c1", null, "r0")), Set.of("r0", "c1"), Set.of(), 1)).isEmpty();
    }

    @Test
    void endedLeasesNeitherCountNorAreTaken() {
        List<Lease> leases = List.of(ended("e0", null), ended("e1", null), lease("s0", "a"), lease("s1", null));

        assertThat(take("b", leases, null, Set.of(), 1)).containsExactly("s1");
    }

    @Test
    void aSoftStealAsksInsteadOfTakingWithinTheSameBounds() {
        List<Lease> leases = shards(8, "a");

        LeaseBalancer.Plan plan = soft("b", leases, Set.of(), 1);
        assertThat(plan.take()).isEmpty();
        assertThat(plan.request()).hasSize(1).allSatisfy(l -> assertThat(l.owner()).isEqualTo("a"));
        assertThat(soft("b", leases, Set.of(), 3).request()).hasSize(3);
        assertThat(soft("b", leases, Set.of(), 0).request()).isEmpty();
        // Free leases are still taken at once.
        leases.set(0, lease("s0", null));
        assertThat(ids(soft("b", leases, Set.of(), 1).take())).containsExactly("s0");
    }

    @Test
    void leasesAskedForCountAsOnTheirWayAndAreNotAskedForAgain() {
        // a holds 8, b asked for 3 of them: b wants one more to reach 4, never one it asked for already.
        List<Lease> leases = new ArrayList<>(shards(8, "a"));
        for (int i = 0; i < 3; i++) {
            leases.set(i, leases.get(i).handoffRequestedBy("b"));
        }
        LeaseBalancer.Plan plan = soft("b", leases, Set.of(), 5);
        assertThat(plan.take()).isEmpty();
        assertThat(ids(plan.request())).hasSize(1).doesNotContain("s0", "s1", "s2");

        // Four asked for: b's share is on its way, nothing more to do.
        leases.set(3, leases.get(3).handoffRequestedBy("b"));
        assertThat(soft("b", leases, Set.of(), 5)).isEqualTo(LeaseBalancer.Plan.NONE);
    }

    @Test
    void aLeaseAskedForByAnotherWorkerIsLeftToItAndNotCountedAsTheOwnersAnyMore() {
        // a holds 6 (2 of them asked for by c), b holds 2, c holds 0; target 3. For b, a has 4 staying: surplus 1.
        List<Lease> leases = new ArrayList<>(shards(6, "a"));
        leases.set(0, leases.get(0).handoffRequestedBy("c"));
        leases.set(1, leases.get(1).handoffRequestedBy("c"));
        leases.add(lease("s6", "b"));
        leases.add(lease("s7", "b"));

        assertThat(ids(soft("b", leases, Set.of(), 5).request())).hasSize(1).doesNotContain("s0", "s1");
    }

    @Test
    void aRequestTheOwnerDidNotAnswerInTimeIsTakenWithinTheStealBound() {
        List<Lease> leases = new ArrayList<>(shards(8, "a"));
        leases.set(0, leases.get(0).handoffRequestedBy("b"));
        leases.set(1, leases.get(1).handoffRequestedBy("b"));

        LeaseBalancer.Plan plan = soft("b", leases, Set.of("s0", "s1"), 1);
        assertThat(plan.take()).hasSize(1).allSatisfy(l -> assertThat(l.shardId()).isIn("s0", "s1"));
        assertThat(plan.request()).isEmpty();

        LeaseBalancer.Plan wider = soft("b", leases, Set.of("s0"), 3);
        assertThat(ids(wider.take())).containsExactly("s0");
        assertThat(wider.request()).hasSize(2).noneMatch(l -> l.shardId().equals("s1"));
    }

    @Test
    void withoutSoftStealsRequestsAreIgnoredAndLeasesTaken() {
        List<Lease> leases = new ArrayList<>(shards(8, "a"));
        leases.set(0, leases.get(0).handoffRequestedBy("b"));

        LeaseBalancer.Plan plan = LeaseBalancer.plan("b", leases, null, Set.of(), Set.of(), 2,
                new LeaseBalancer.Handoffs(false, Set.of("s0"), Map.of()), random);
        assertThat(plan.take()).hasSize(2);
        assertThat(plan.request()).isEmpty();
    }

    @Test
    void anOwnerLeavesWhatItHandedOverToTheAskerWhoCountsAsALiveWorker() {
        // a alone held 8; b, holding nothing yet, asked for s0, and a released it.
        List<Lease> leases = new ArrayList<>(shards(8, "a"));
        leases.set(0, lease("s0", null));

        // Without knowing it handed s0 over, a (the only worker with leases) would take it back.
        assertThat(ids(soft("a", leases, Set.of(), 1).take())).containsExactly("s0");
        assertThat(soft("a", leases, Set.of(), Map.of("s0", "b"), 1)).isEqualTo(LeaseBalancer.Plan.NONE);
        assertThat(ids(soft("b", leases, Set.of(), 1).take())).containsExactly("s0");

        // While a request is pending, its asker counts: a's target is 4, so a takes nothing free beyond it.
        List<Lease> asked = new ArrayList<>(shards(7, "a"));
        asked.set(0, asked.get(0).handoffRequestedBy("b"));
        asked.add(lease("s7", null));
        assertThat(soft("a", asked, Set.of(), 1)).isEqualTo(LeaseBalancer.Plan.NONE);
    }

    @Test
    void softStealsConvergeToEvenSharesWhenOwnersHandOver() {
        List<Lease> leases = shards(8, null);
        Map<String, Map<String, String>> handedOver = new HashMap<>();
        // a takes everything; then b and c join and ask; the owner of an asked-for lease releases it at its turn.
        for (String shardId : ids(soft("a", leases, Set.of(), 1).take())) {
            leases.replaceAll(l -> l.shardId().equals(shardId) ? l.taken("a") : l);
        }
        int moves = 0;
        for (int round = 0; round < 20; round++) {
            for (String worker : List.of("a", "b", "c")) {
                Map<String, String> mine = handedOver.computeIfAbsent(worker, w -> new HashMap<>());
                for (int i = 0; i < leases.size(); i++) {
                    Lease lease = leases.get(i);
                    if (worker.equals(lease.owner()) && lease.handoffRequested()) {
                        mine.put(lease.shardId(), lease.handoffTo());
                        leases.set(i, lease.released());
                    }
                }
                LeaseBalancer.Plan plan = soft(worker, leases, Set.of(), mine, 1);
                for (Lease taken : plan.take()) {
                    moves++;
                    leases.replaceAll(l -> l.shardId().equals(taken.shardId()) ? l.taken(worker) : l);
                }
                for (Lease asked : plan.request()) {
                    leases.replaceAll(l -> l.shardId().equals(asked.shardId()) ? l.handoffRequestedBy(worker) : l);
                }
            }
        }
        Map<String, Integer> owned = new HashMap<>();
        leases.forEach(l -> owned.merge(l.owner(), 1, Integer::sum));
        assertThat(owned).containsOnlyKeys("a", "b", "c");
        assertThat(owned.values()).allSatisfy(count -> assertThat(count).isBetween(2, 3));
        assertThat(leases).noneMatch(Lease::handoffRequested);
        // Every lease that moved went straight to a worker below its share, never back: 5 or 6 moves.
        assertThat(moves).isLessThanOrEqualTo(6);
    }
}

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

/** Count-based balancing, expired leases first, bounded steals, parent before child across workers. */
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
        return LeaseBalancer.toTake(me, leases, listed, expired, steals, random).stream().map(Lease::shardId)
                .toList();
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

        assertThat(take("b", leases, Set.of("c1"), Set.of(), 1)).containsExactly("c1");
        // Before the first listing, the parent's lease decides.
        assertThat(take("b", leases, null, Set.of(), 1)).isEmpty();
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
}

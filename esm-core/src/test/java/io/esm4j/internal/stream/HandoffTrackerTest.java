package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What an owner remembers of the leases it handed over: a released lease is left to its asker while the asker may
 * still take it, and no longer.
 */
class HandoffTrackerTest {

    private static final long MS = 1_000_000L;

    private static Lease lease(String shardId, String owner) {
        return new Lease("m", shardId, owner, 1, Checkpoint.TrimHorizon.INSTANCE, List.of(), 0);
    }

    /** w2 holds three leases besides x, w3 holds four; x is held by {@code xOwner}. */
    private static List<Lease> leases(String xOwner) {
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leases.add(lease("a" + i, "w2"));
        }
        for (int i = 0; i < 4; i++) {
            leases.add(lease("b" + i, "w3"));
        }
        leases.add(lease("x", xOwner));
        return leases;
    }

    private static LeaseBalancer.Plan plan(List<Lease> leases, LeaseBalancer.Handoffs handoffs) {
        return LeaseBalancer.plan("w2", leases, null, Set.of(), Set.of(), 1, handoffs, new Random(7));
    }

    @Test
    void aReleasedLeaseTheAskerDoesNotTakeWithinTwoOfItsRoundsIsFreeToTakeAgainLongBeforeTheHandoffTimeout() {
        StreamSettings settings = StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .gracefulHandoffTimeout(Duration.ofMinutes(10)).build();
        HandoffTracker tracker = new HandoffTracker(new StreamContext<Object>("m", "w2", settings, null, null, null,
                null, null, null, null, null, null, null));
        // w3 asked w2 for x; w2 hands it over.
        tracker.handingOver("x", "w3");
        long start = System.nanoTime();
        assertThat(tracker.round(leases("w2"), start, Set.of()).handedOver()).containsEntry("x", "w3");

        // Released. Meanwhile w3 reached its share another way (it took leases a stopping worker released): it holds
        // four of eight, as many as w2's share with x, and does not take x.
        long released = start + 100 * MS;
        LeaseBalancer.Handoffs seenReleased = tracker.round(leases(null), released, Set.of());
        assertThat(seenReleased.handedOver()).containsEntry("x", "w3");
        // Left to w3 while it may still take it: w2, counting w3 as live, is at its share and keeps off it.
        assertThat(plan(leases(null), seenReleased)).isEqualTo(LeaseBalancer.Plan.NONE);
        assertThat(tracker.round(leases(null), released + 1999 * MS, Set.of()).handedOver()).containsEntry("x", "w3");

        // Two of w3's rounds (it looks at least every second while its request is pending) passed without a take:
        // x is free, and w2, below its share of the two workers, takes it. Before, x stood unowned until
        // GracefulHandoffTimeout had passed, with nobody taking it.
        LeaseBalancer.Handoffs later = tracker.round(leases(null), released + 2000 * MS, Set.of());
        assertThat(later.handedOver()).isEmpty();
        assertThat(plan(leases(null), later).take()).extracting(Lease::shardId).containsExactly("x");
    }

    @Test
    void aLeaseWhoseReleaseFailedIsLeftToTheAskerOnlyAsLongAsAReleasedOneOnceItExpired() {
        StreamSettings settings = StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .gracefulHandoffTimeout(Duration.ofMinutes(10)).build();
        HandoffTracker tracker = new HandoffTracker(new StreamContext<Object>("m", "w2", settings, null, null, null,
                null, null, null, null, null, null, null));
        tracker.handingOver("x", "w3");
        long start = System.nanoTime();
        // The release failed: x stays in w2's name, and once nobody runs it, it stands still until it expires.
        assertThat(tracker.round(leases("w2"), start, Set.of()).handedOver()).containsEntry("x", "w3");
        long expired = start + 100 * MS;
        assertThat(tracker.round(leases("w2"), expired, Set.of("x")).handedOver()).containsEntry("x", "w3");
        assertThat(tracker.round(leases("w2"), expired + 1999 * MS, Set.of("x")).handedOver())
                .containsEntry("x", "w3");
        assertThat(tracker.round(leases("w2"), expired + 2000 * MS, Set.of("x")).handedOver()).isEmpty();
    }
}

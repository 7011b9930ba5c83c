package io.esm4j.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The lease store SPI's rules (esm-core/LEASES.md), run against every store: a store's test class extends it and says
 * how to reach its store, as one worker or as several workers sharing the same leases.
 */
public abstract class LeaseStoreContract {

    /** A mapping name of this test only, so that stores shared between tests never mix their leases. */
    protected final String mapping = "orders-" + UUID.randomUUID();

    /** The store as the test's main worker reaches it. */
    protected abstract LeaseStore store();

    /** The same leases as another worker reaches them (its own client, where the store has one). */
    protected abstract LeaseStore otherWorker();

    private Lease created(String shardId) throws Exception {
        Lease lease = Lease.unowned(mapping, shardId, Checkpoint.TrimHorizon.INSTANCE, List.of());
        assertThat(store().create(lease)).isTrue();
        return lease;
    }

    private static Lease written(LeaseWrite write) {
        assertThat(write).isInstanceOf(LeaseWrite.Written.class);
        return ((LeaseWrite.Written) write).lease();
    }

    private static @Nullable Lease lost(LeaseWrite write) {
        assertThat(write).isInstanceOf(LeaseWrite.Lost.class);
        return ((LeaseWrite.Lost) write).current();
    }

    private Lease stored(String shardId) throws Exception {
        return store().list(mapping).stream().filter(l -> l.shardId().equals(shardId)).findFirst()
                .orElseThrow(() -> new AssertionError("no lease of " + shardId + " in the store"));
    }

    @Test
    void createStoresALeaseOnceAndListReturnsItAsCreated() throws Exception {
        Lease lease = new Lease(mapping, "shard-1", null, 0, new Checkpoint.AtSequenceNumber("100"),
                List.of("shard-0a", "shard-0b"), 0);

        assertThat(store().create(lease)).isTrue();
        assertThat(otherWorker().create(Lease.unowned(mapping, "shard-1", Checkpoint.Latest.INSTANCE, List.of())))
                .isFalse();

        assertThat(store().list(mapping)).containsExactly(lease);
    }

    @Test
    void listHoldsOnlyTheMappingsOwnLeasesAndEveryOneOfThem() throws Exception {
        for (int i = 0; i < 25; i++) {
            created("shard-" + i);
        }
        for (String other : List.of(mapping + "-other", mapping.substring(0, 6))) {
            store().create(Lease.unowned(other, "shard-0", Checkpoint.TrimHorizon.INSTANCE, List.of()));
        }

        assertThat(otherWorker().list(mapping)).hasSize(25).allSatisfy(l -> assertThat(l.mapping()).isEqualTo(mapping));
        assertThat(store().list(mapping + "-other")).hasSize(1);
        assertThat(store().list("no-such-mapping-" + UUID.randomUUID())).isEmpty();
    }

    @Test
    void everyCheckpointKindIsStoredAsWritten() throws Exception {
        Lease lease = written(store().take(created("shard-1"), "w1"));
        for (Checkpoint checkpoint : List.of(Checkpoint.Latest.INSTANCE,
                new Checkpoint.AtTimestamp(Instant.parse("2026-03-01T10:15:30.123456789Z")),
                new Checkpoint.AtSequenceNumber("49590338271490256608559692538361571095921575989136588898"),
                new Checkpoint.AtSequenceNumber("49590338271490256608559692538361571095921575989136588898/3"),
                Checkpoint.TrimHorizon.INSTANCE, Checkpoint.ShardEnd.INSTANCE)) {
            lease = written(store().checkpoint(lease, checkpoint));
            assertThat(lease.checkpoint()).isEqualTo(checkpoint);
            assertThat(stored("shard-1")).isEqualTo(lease);
        }
    }

    @Test
    void takeOfAnUnownedLeaseMakesTheWorkerItsOwnerAndIncreasesTheCounter() throws Exception {
        Lease seen = created("shard-1");

        Lease taken = written(store().take(seen, "w1"));

        assertThat(taken).isEqualTo(new Lease(mapping, "shard-1", "w1", 1, Checkpoint.TrimHorizon.INSTANCE,
                List.of(), 1));
        assertThat(stored("shard-1")).isEqualTo(taken);
    }

    @Test
    void takeIsConditionalOnTheOwnerAndCounterAsSeen() throws Exception {
        Lease unowned = created("shard-1");
        Lease held = written(store().take(unowned, "w1"));

        // Seen before w1 took it: the counter moved.
        assertThat(lost(otherWorker().take(unowned, "w2"))).isEqualTo(held);
        // The same counter but seen unowned, or with another owner: the owner differs.
        assertThat(lost(otherWorker().take(new Lease(mapping, "shard-1", null, 1, held.checkpoint(), List.of(), 1),
                "w2"))).isEqualTo(held);
        assertThat(lost(otherWorker().take(new Lease(mapping, "shard-1", "w3", 1, held.checkpoint(), List.of(), 1),
                "w2"))).isEqualTo(held);
        assertThat(stored("shard-1")).isEqualTo(held);
    }

    @Test
    void takeFromAnotherOwnerCountsAnOwnerSwitchAndTakeByTheOwnerDoesNot() throws Exception {
        Lease byW1 = written(store().take(created("shard-1"), "w1"));

        Lease byW2 = written(otherWorker().take(byW1, "w2"));
        assertThat(byW2.owner()).isEqualTo("w2");
        assertThat(byW2.counter()).isEqualTo(2);
        assertThat(byW2.ownerSwitchesSinceCheckpoint()).isEqualTo(2);

        Lease again = written(otherWorker().take(byW2, "w2"));
        assertThat(again.counter()).isEqualTo(3);
        assertThat(again.ownerSwitchesSinceCheckpoint()).isEqualTo(2);
    }

    @Test
    void renewIncreasesTheCounterOnlyForTheHolderOfThatVersion() throws Exception {
        Lease held = written(store().take(created("shard-1"), "w1"));

        Lease renewed = written(store().renew(held));
        assertThat(renewed).isEqualTo(new Lease(mapping, "shard-1", "w1", 2, held.checkpoint(), List.of(), 1));

        assertThat(lost(store().renew(held))).isEqualTo(renewed);
        assertThat(lost(otherWorker().renew(new Lease(mapping, "shard-1", "w2", 2, held.checkpoint(), List.of(), 1))))
                .isEqualTo(renewed);
        assertThat(stored("shard-1")).isEqualTo(renewed);
    }

    @Test
    void checkpointKeepsTheCounterAndClearsTheOwnerSwitches() throws Exception {
        Lease held = written(store().take(created("shard-1"), "w1"));
        assertThat(held.ownerSwitchesSinceCheckpoint()).isEqualTo(1);

        Lease checkpointed = written(store().checkpoint(held, new Checkpoint.AtSequenceNumber("42")));

        assertThat(checkpointed).isEqualTo(new Lease(mapping, "shard-1", "w1", 1, new Checkpoint.AtSequenceNumber("42"),
                List.of(), 0));
        // The counter stayed, so the holder's next writes still match.
        assertThat(written(store().checkpoint(checkpointed, new Checkpoint.AtSequenceNumber("43"))).counter())
                .isEqualTo(1);
        assertThat(written(store().renew(checkpointed)).counter()).isEqualTo(2);
    }

    @Test
    void aCheckpointOfAFormerHolderIsRefusedAndChangesNothing() throws Exception {
        Lease w1 = written(store().take(created("shard-1"), "w1"));
        written(store().checkpoint(w1, new Checkpoint.AtSequenceNumber("10")));
        Lease w2 = written(otherWorker().take(w1, "w2"));

        assertThat(lost(store().checkpoint(w1, new Checkpoint.AtSequenceNumber("99")))).isEqualTo(w2);

        assertThat(stored("shard-1").checkpoint()).isEqualTo(new Checkpoint.AtSequenceNumber("10"));
    }

    /**
     * A worker that was paused (GC, a frozen VM) past FailoverTime and lost its lease does not know it: none of its
     * writes may extend, give up, move or delete the lease the new owner holds.
     */
    @Test
    void aFormerHoldersWritesAfterATakeOverAreRefusedAndChangeNothing() throws Exception {
        Lease w1 = written(store().checkpoint(written(store().take(created("shard-1"), "w1")),
                new Checkpoint.AtSequenceNumber("10")));
        Lease w2 = written(otherWorker().take(w1, "w2"));

        assertThat(lost(store().renew(w1))).isEqualTo(w2);
        assertThat(lost(store().release(w1))).isEqualTo(w2);
        assertThat(lost(store().checkpoint(w1, new Checkpoint.AtSequenceNumber("99")))).isEqualTo(w2);
        assertThat(lost(otherWorker().requestHandoff(w1, "w3"))).isEqualTo(w2);
        assertThat(store().delete(w1)).isFalse();
        assertThat(stored("shard-1")).isEqualTo(w2);
        assertThat(written(otherWorker().renew(w2)).counter()).isEqualTo(w2.counter() + 1);
    }

    /**
     * The owner alone is no fence: a worker that lost a lease and took it back (the same worker id, a new counter)
     * must not let a write of its old session through, which would move the new session's checkpoint.
     */
    @Test
    void aWriteWithAnOlderVersionOfTheSameOwnersLeaseIsRefused() throws Exception {
        Lease first = written(store().take(created("shard-1"), "w1"));
        Lease again = written(store().take(written(store().release(first)), "w1"));
        Lease checkpointed = written(store().checkpoint(again, new Checkpoint.AtSequenceNumber("20")));

        assertThat(lost(store().checkpoint(first, new Checkpoint.AtSequenceNumber("10")))).isEqualTo(checkpointed);
        assertThat(lost(store().renew(first))).isEqualTo(checkpointed);
        assertThat(lost(store().release(first))).isEqualTo(checkpointed);
        assertThat(stored("shard-1")).isEqualTo(checkpointed);
    }

    /**
     * Only a take makes a lease someone's. A store that compared "no owner" with "no owner" would let a lease seen
     * unowned be renewed, checkpointed or released: a checkpoint nobody holds the shard for.
     */
    @Test
    void aLeaseSeenUnownedCanOnlyBeTaken() throws Exception {
        Lease unowned = created("shard-1");
        Lease released = written(store().release(written(store().take(created("shard-2"), "w1"))));

        for (Lease seen : List.of(unowned, released)) {
            assertThat(lost(store().renew(seen))).isEqualTo(seen);
            assertThat(lost(store().checkpoint(seen, new Checkpoint.AtSequenceNumber("5")))).isEqualTo(seen);
            assertThat(lost(store().release(seen))).isEqualTo(seen);
            assertThat(stored(seen.shardId())).isEqualTo(seen);
        }
        assertThat(written(otherWorker().take(released, "w2")).owner()).isEqualTo("w2");
    }

    @Test
    void releaseClearsTheOwnerAndIncreasesTheCounterSoThatAnyoneCanTakeIt() throws Exception {
        Lease held = written(store().take(created("shard-1"), "w1"));

        Lease released = written(store().release(held));

        assertThat(released).isEqualTo(new Lease(mapping, "shard-1", null, 2, held.checkpoint(), List.of(), 1));
        assertThat(lost(store().release(held))).isEqualTo(released);
        assertThat(written(otherWorker().take(released, "w2")).owner()).isEqualTo("w2");
    }

    @Test
    void deleteIsConditionalOnTheLeaseAsSeen() throws Exception {
        Lease unowned = created("shard-1");
        Lease held = written(store().take(unowned, "w1"));

        assertThat(otherWorker().delete(unowned)).isFalse();
        assertThat(stored("shard-1")).isEqualTo(held);

        assertThat(otherWorker().delete(held)).isTrue();
        assertThat(store().list(mapping)).isEmpty();
        assertThat(store().delete(held)).isFalse();
    }

    @Test
    void writesToALeaseThatIsGoneAreLostWithNoCurrentLease() throws Exception {
        Lease held = written(store().take(created("shard-1"), "w1"));
        assertThat(store().delete(held)).isTrue();

        assertThat(lost(store().renew(held))).isNull();
        assertThat(lost(store().checkpoint(held, Checkpoint.ShardEnd.INSTANCE))).isNull();
        assertThat(lost(store().release(held))).isNull();
        assertThat(lost(store().take(held, "w2"))).isNull();
        assertThat(lost(otherWorker().requestHandoff(held, "w2"))).isNull();
        assertThat(store().list(mapping)).isEmpty();
    }

    @Test
    void aHandoffRequestRecordsTheAskerAndLeavesOwnerCounterAndCheckpointAlone() throws Exception {
        Lease held = written(store().checkpoint(written(store().take(created("shard-1"), "w1")),
                new Checkpoint.AtSequenceNumber("7")));

        Lease asked = written(otherWorker().requestHandoff(held, "w2"));

        assertThat(asked).isEqualTo(new Lease(mapping, "shard-1", "w1", 1, new Checkpoint.AtSequenceNumber("7"),
                List.of(), 0, "w2"));
        assertThat(asked.handoffRequested()).isTrue();
        assertThat(stored("shard-1")).isEqualTo(asked);
        // Asking again (a retried request, or another asker) is no different: the owner's version is unchanged.
        assertThat(written(otherWorker().requestHandoff(held, "w3")).handoffTo()).isEqualTo("w3");
    }

    @Test
    void aHandoffRequestIsConditionalOnTheOwnerAndCounterAsSeen() throws Exception {
        Lease unowned = created("shard-1");
        Lease held = written(store().take(unowned, "w1"));
        Lease renewed = written(store().renew(held));

        // Seen before the renewal, seen unowned, or seen with another owner: refused, nothing written.
        assertThat(lost(otherWorker().requestHandoff(held, "w2"))).isEqualTo(renewed);
        assertThat(lost(otherWorker().requestHandoff(unowned, "w2"))).isEqualTo(renewed);
        assertThat(lost(otherWorker().requestHandoff(new Lease(mapping, "shard-1", "w3", 2, renewed.checkpoint(),
                List.of(), 1), "w2"))).isEqualTo(renewed);
        assertThat(stored("shard-1")).isEqualTo(renewed);
        assertThat(stored("shard-1").handoffTo()).isNull();
        // An unowned lease is free to take: there is nobody to ask.
        Lease released = written(store().release(renewed));
        assertThat(lost(otherWorker().requestHandoff(released, "w2"))).isEqualTo(released);
    }

    @Test
    void renewalsAndCheckpointsKeepAHandoffRequestAndDoNotFailBecauseOfIt() throws Exception {
        Lease held = written(store().take(created("shard-1"), "w1"));
        written(otherWorker().requestHandoff(held, "w2"));

        // The owner's own version (without the request) still matches: the request moved no counter.
        Lease checkpointed = written(store().checkpoint(held, new Checkpoint.AtSequenceNumber("42")));
        assertThat(checkpointed.handoffTo()).isEqualTo("w2");
        Lease renewed = written(store().renew(checkpointed));
        assertThat(renewed.handoffTo()).isEqualTo("w2");
        assertThat(renewed.counter()).isEqualTo(2);
        assertThat(stored("shard-1")).isEqualTo(renewed);
    }

    @Test
    void takeAndReleaseClearAHandoffRequest() throws Exception {
        Lease held = written(store().take(created("shard-1"), "w1"));
        Lease asked = written(otherWorker().requestHandoff(held, "w2"));

        Lease released = written(store().release(asked));
        assertThat(released.handoffTo()).isNull();
        assertThat(stored("shard-1")).isEqualTo(released);

        Lease byW2 = written(otherWorker().take(released, "w2"));
        Lease askedAgain = written(store().requestHandoff(byW2, "w1"));
        Lease stolen = written(store().take(askedAgain, "w1"));
        assertThat(stolen.owner()).isEqualTo("w1");
        assertThat(stolen.handoffTo()).isNull();
        assertThat(stored("shard-1")).isEqualTo(stolen);
    }

    @Test
    void ofManyWorkersTakingOneLeaseAtOnceExactlyOneWins() throws Exception {
        int workers = 6;
        List<LeaseStore> stores = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            stores.add(otherWorker());
        }
        for (int round = 0; round < 5; round++) {
            Lease seen = created("shard-" + round);
            List<LeaseWrite> results = Concurrently.run(workers, w -> stores.get(w).take(seen, "w" + w));

            List<Lease> winners = results.stream().filter(LeaseWrite.Written.class::isInstance)
                    .map(r -> ((LeaseWrite.Written) r).lease()).toList();
            assertThat(winners).hasSize(1);
            assertThat(results).filteredOn(LeaseWrite.Lost.class::isInstance).hasSize(workers - 1)
                    .allSatisfy(r -> assertThat(((LeaseWrite.Lost) r).current()).isEqualTo(winners.getFirst()));
            assertThat(stored("shard-" + round)).isEqualTo(winners.getFirst());
        }
    }
}

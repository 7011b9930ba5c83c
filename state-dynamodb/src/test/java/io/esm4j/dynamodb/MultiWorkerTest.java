package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.dynamodb.FaultyHttpClient.Fault;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testsupport.RequiresNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three mappings with the same name share an 8-shard stream through a DynamoDB lease table (dynalite), each with its
 * own SDK client and worker id, as three processes would (esm-core's LeasesTest does the same on the in-memory
 * store). Leases balance, a worker that joins a busy fleet is handed leases without any record handled twice, a
 * stopping worker hands over at once, an abandoned one loses its shards after the failover time, a paused owner's
 * late checkpoint is refused, a split and a merge are followed, and throttling and 5xx answers are retried without
 * moving a lease. Through all of it every record is handled, per key in order; duplicates come only from work in
 * flight when a lease moved without its owner's consent.
 */
@RequiresNode
@ExtendWith(DynaliteExtension.class)
class MultiWorkerTest {

    /** Only a bound for a hung test: on a loaded machine a failover round can take seconds. */
    private static final Duration PATIENCE = Duration.ofMinutes(1);

    private final InMemoryStream stream = InMemoryStream.create("shared", 8);
    private final Recorder handler = new Recorder();
    private Fleet fleet;

    @BeforeEach
    void fleet() {
        fleet = new Fleet();
    }

    @AfterEach
    void stopAll() {
        fleet.close();
    }

    private Fleet.Worker worker(String id, StreamSettings settings) {
        return fleet.start(id, stream, handler, settings);
    }

    @Test
    void leasesBalanceAndAStoppingWorkerHandsItsShardsOverAtOnce() throws Exception {
        // Leases never expire in this test: whatever moves, moves because it was handed over or balanced.
        StreamSettings settings = Fleet.settings(Duration.ofMinutes(10)).build();
        Fleet.Worker w1 = worker("w1", settings);
        worker("w2", settings);
        worker("w3", settings);
        handler.put(stream, 400);
        await().atMost(PATIENCE).until(() -> fleet.balanced(List.of("w1", "w2", "w3")));
        await().atMost(PATIENCE).until(handler::allHandled);

        w1.mapping().stop(Duration.ofSeconds(10));
        await().atMost(PATIENCE).until(() -> fleet.balanced(List.of("w2", "w3")));
        handler.put(stream, 400);
        await().atMost(PATIENCE).until(handler::allHandled);

        handler.assertEveryRecordInPerKeyOrderWithReplaysOnly();
    }

    @Test
    void aWorkerJoiningABusyFleetIsHandedLeasesWithoutAnyRecordHandledTwice() throws Exception {
        // Leases never expire here: every lease that moves is asked for and handed over.
        StreamSettings settings = Fleet.settings(Duration.ofMinutes(10)).build();
        List<Fleet.Worker> first = List.of(worker("w1", settings), worker("w2", settings));
        await().atMost(PATIENCE).until(() -> fleet.balanced(List.of("w1", "w2")));
        Thread producer = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    handler.put(stream, 1);
                    Thread.sleep(2);
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        try {
            await().atMost(PATIENCE).until(() -> handler.handledCount() >= 200);
            Fleet.Worker w3 = worker("w3", settings);
            await().atMost(PATIENCE).until(() -> fleet.balanced(List.of("w1", "w2", "w3")));
            int atBalance = handler.handledCount();
            await().atMost(PATIENCE).until(() -> handler.handledCount() >= atBalance + 200);

            assertThat(w3.count(MetricNames.LEASE_HANDOFFS_REQUESTED)).isGreaterThanOrEqualTo(2);
            assertThat(first.stream().mapToDouble(w -> w.count(MetricNames.LEASE_HANDOFFS_COMPLETED)).sum())
                    .isGreaterThanOrEqualTo(2);
            assertThat(w3.count(MetricNames.LEASE_HANDOFFS_TIMED_OUT)).isZero();
        } finally {
            producer.interrupt();
            producer.join();
        }
        await().atMost(PATIENCE).until(handler::allHandled);

        assertThat(handler.duplicates()).as("records handled twice").isZero();
        handler.assertEveryRecordInPerKeyOrderWithReplaysOnly();
        assertThat(fleet.workers().stream().mapToDouble(Fleet.Worker::leasesLost).sum()).isZero();
        assertThat(fleet.workers().stream().mapToInt(w -> w.leases().refusedCheckpoints()).sum()).isZero();
    }

    @Test
    void anAbandonedWorkersShardsMoveAfterTheFailoverTime() {
        StreamSettings settings = Fleet.settings(Duration.ofSeconds(3)).build();
        Fleet.Worker w1 = worker("w1", settings);
        worker("w2", settings);
        worker("w3", settings);
        handler.put(stream, 400);
        await().atMost(PATIENCE).until(() -> fleet.balanced(List.of("w1", "w2", "w3")));
        await().atMost(PATIENCE).until(handler::allHandled);

        // w1's client can no longer connect: it stops renewing, and releases nothing.
        w1.network().cutOff();
        await().atMost(PATIENCE).until(() -> fleet.balanced(List.of("w2", "w3")));
        await().atMost(PATIENCE).until(() -> w1.leasesLost() >= 1);
        handler.put(stream, 400);
        await().atMost(PATIENCE).until(handler::allHandled);

        handler.assertEveryRecordInPerKeyOrderWithReplaysOnly();
    }

    @Test
    void aPausedOwnerWhoseLeaseWasTakenCannotWriteItsLateCheckpoint() {
        InMemoryStream single = InMemoryStream.create("single", 1);
        String shardId = single.openShardIds().getFirst();
        StreamSettings settings = Fleet.settings(Duration.ofSeconds(3)).batchSize(10).build();
        Fleet.Worker w1 = fleet.start("w1", single, handler, settings);
        handler.put(single, 50);
        String r49 = single.records(shardId).getLast().sequenceNumber();
        await().atMost(PATIENCE).until(() -> new Checkpoint.AtSequenceNumber(r49).equals(checkpoint(shardId)));

        // Every call of w1 to DynamoDB stalls, a checkpoint write among them; w2 takes over after the failover.
        w1.network().pause();
        handler.put(single, 50);
        fleet.start("w2", single, handler, settings);
        String r99 = single.records(shardId).getLast().sequenceNumber();
        await().atMost(PATIENCE).until(() -> "w2".equals(lease(shardId).owner())
                && new Checkpoint.AtSequenceNumber(r99).equals(checkpoint(shardId)));

        w1.network().resume();
        await().atMost(PATIENCE).until(() -> w1.leases().refusedCheckpoints() >= 1);
        await().atMost(PATIENCE).until(() -> w1.leasesLost() >= 1);
        Lease lease = lease(shardId);
        assertThat(lease.owner()).isEqualTo("w2");
        assertThat(lease.checkpoint()).isEqualTo(new Checkpoint.AtSequenceNumber(r99));
        handler.assertEveryRecordInPerKeyOrderWithReplaysOnly();
    }

    @Test
    void aSplitAndAMergeWhileThreeWorkersRunAreFollowedParentsFirst() {
        StreamSettings settings = Fleet.settings(Duration.ofSeconds(10)).build();
        worker("w1", settings);
        worker("w2", settings);
        worker("w3", settings);
        handler.put(stream, 200);
        await().atMost(PATIENCE).until(() -> fleet.balanced(List.of("w1", "w2", "w3")));

        List<String> open = stream.openShardIds();
        stream.split(open.get(0));
        stream.merge(open.get(2), open.get(3));
        handler.put(stream, 400);
        await().atMost(PATIENCE).until(handler::allHandled);
        // 8 shards - 1 split + 2 children - 2 merged + 1 child = 8 open shards again, spread over the three.
        await().atMost(PATIENCE).until(() -> fleet.balanced(List.of("w1", "w2", "w3"))
                && fleet.leases().stream().filter(l -> !l.ended()).count() == 8);
        handler.put(stream, 200);
        await().atMost(PATIENCE).until(handler::allHandled);

        handler.assertEveryRecordInPerKeyOrderWithReplaysOnly();
    }

    @Test
    void throttlingAndServerErrorsAreRetriedWithoutMovingALease() {
        StreamSettings settings = Fleet.settings(Duration.ofSeconds(10)).build();
        List<Fleet.Worker> workers = List.of(worker("w1", settings), worker("w2", settings), worker("w3", settings));
        handler.put(stream, 200);
        // Start-up balancing moves leases (handed over when asked): wait until the shares are even and every worker
        // processes what the table says it holds, then compare with that.
        await().atMost(PATIENCE).until(() -> fleet.balanced(List.of("w1", "w2", "w3")) && fleet.settled());
        await().atMost(PATIENCE).until(handler::allHandled);
        List<Integer> takes = workers.stream().map(w -> w.leases().takes()).toList();
        List<Double> lost = workers.stream().map(Fleet.Worker::leasesLost).toList();

        // Every 10th request of each worker fails before it reaches the server: throttled or a 500, in turn. (A lost
        // response after the server applied a write is covered by DynamoDbLeaseStoreTest and esm-core's
        // LostResponseTest.)
        for (Fleet.Worker worker : workers) {
            worker.network().policy((operation, n) -> n % 10 != 0 ? Fault.NONE
                    : n % 20 == 0 ? Fault.THROTTLE : Fault.SERVER_ERROR);
        }
        handler.put(stream, 400);
        await().atMost(PATIENCE).until(handler::allHandled);
        // Both kinds of fault reached every worker, several times.
        await().atMost(PATIENCE).until(() -> workers.stream().allMatch(w -> w.network().injected(Fault.THROTTLE) >= 3
                && w.network().injected(Fault.SERVER_ERROR) >= 3));

        assertThat(workers.stream().map(Fleet.Worker::leasesLost).toList()).as("leases lost per worker")
                .isEqualTo(lost);
        assertThat(workers.stream().map(w -> w.leases().takes()).toList()).as("takes per worker").isEqualTo(takes);
        assertThat(fleet.balanced(List.of("w1", "w2", "w3"))).isTrue();
        handler.assertEveryRecordInPerKeyOrderWithReplaysOnly();
    }

    private Lease lease(String shardId) {
        return fleet.leases().stream().filter(l -> l.shardId().equals(shardId)).findFirst()
                .orElseThrow(() -> new AssertionError("no lease for " + shardId + " yet"));
    }

    /** The shard's checkpoint, or null before its lease is created. */
    private Checkpoint checkpoint(String shardId) {
        return fleet.leases().stream().filter(l -> l.shardId().equals(shardId)).findFirst().map(Lease::checkpoint)
                .orElse(null);
    }
}

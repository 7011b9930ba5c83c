package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.idempotency.AcquireResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The stores while a resharding moves their keys to another node of a Redis Cluster: the client is redirected (ASK
 * while the slot migrates, MOVED after), and no write is lost, refused or done twice.
 */
class RedisClusterReshardingTest {

    @RegisterExtension
    static final LocalRedisCluster cluster = new LocalRedisCluster();

    private final String prefix = "resharding:" + UUID.randomUUID() + ":";
    private final RedisLeaseStore store = new RedisLeaseStore(cluster.connect(),
            RedisLeaseStoreSettings.builder().keyPrefix(prefix).build());
    private final RedisLeaseStore otherWorker = new RedisLeaseStore(cluster.connect(),
            RedisLeaseStoreSettings.builder().keyPrefix(prefix).build());

    @Test
    void checkpointsWrittenWhileTheLeasesSlotMovesTwiceAreAllWrittenInOrder() throws Exception {
        Lease created = Lease.unowned("orders", "shardId-0", Checkpoint.TrimHorizon.INSTANCE, List.of());
        store.create(created);
        Lease taken = ((LeaseWrite.Written) store.take(created, "w1")).lease();
        int firstNode = cluster.nodeOf(prefix + "orders");
        AtomicBoolean moved = new AtomicBoolean();
        List<LeaseWrite> writes = new ArrayList<>();

        // One worker checkpoints as fast as it can until the slot has moved twice, and then some more.
        CompletableFuture<Lease> checkpointing = CompletableFuture.supplyAsync(() -> {
            Lease held = taken;
            int afterMoves = 0;
            for (long sequence = 1; afterMoves < 50; sequence++) {
                LeaseWrite write = store.checkpoint(held, new Checkpoint.AtSequenceNumber(Long.toString(sequence)));
                writes.add(write);
                if (!(write instanceof LeaseWrite.Written written)) {
                    break;
                }
                held = written.lease();
                if (moved.get()) {
                    afterMoves++;
                }
            }
            return held;
        });
        cluster.moveSlotOf(prefix + "orders");
        int secondNode = cluster.nodeOf(prefix + "orders");
        cluster.moveSlotOf(prefix + "orders");
        moved.set(true);
        Lease last = checkpointing.get();

        assertThat(List.of(firstNode, secondNode, cluster.nodeOf(prefix + "orders"))).doesNotHaveDuplicates();
        assertThat(writes).allMatch(write -> write instanceof LeaseWrite.Written).hasSizeGreaterThan(50);
        assertThat(last.checkpoint()).isEqualTo(new Checkpoint.AtSequenceNumber(Integer.toString(writes.size())));
        assertThat(otherWorker.list("orders")).containsExactly(last);
        // Still fenced on its new node: a worker that saw the lease before it was taken loses.
        assertThat(otherWorker.take(created, "w2")).isInstanceOf(LeaseWrite.Lost.class);
    }

    @Test
    void aKeyClaimedBeforeItsSlotMovedIsCompletedAndSeenCompletedAfter() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        RedisIdempotencyStore one = new RedisIdempotencyStore(cluster.connect(),
                RedisIdempotencyStoreSettings.builder().keyPrefix(prefix).build(), clock);
        RedisIdempotencyStore other = new RedisIdempotencyStore(cluster.connect(),
                RedisIdempotencyStoreSettings.builder().keyPrefix(prefix).build(), clock);
        Instant later = clock.instant().plusSeconds(3_600);

        assertThat(one.acquire("order-7", "hash", "owner-1", later)).isInstanceOf(AcquireResult.Acquired.class);
        int before = cluster.nodeOf(prefix + "order-7");
        cluster.moveSlotOf(prefix + "order-7");
        assertThat(other.acquire("order-7", "hash", "owner-2", later))
                .isInstanceOf(AcquireResult.InProgressElsewhere.class);
        one.complete("order-7", "hash", later);

        assertThat(cluster.nodeOf(prefix + "order-7")).isNotEqualTo(before);
        assertThat(other.acquire("order-7", "hash", "owner-2", later))
                .isEqualTo(new AcquireResult.AlreadyCompleted("hash", later));
    }
    /**
     * Why checkpoints carry a number on Redis Cluster: a checkpoint command whose call timed out while its node's
     * connection was down stays in Lettuce's buffer (the cluster's routing wrapper does not count as done when the
     * timeout cancels the command inside). After the reconnect Lettuce sends it, the old node answers MOVED, and
     * Lettuce sends it on to the slot's new node, after the holder's newer checkpoint made there.
     */
    @Test
    void aCheckpointWhoseCallTimedOutIsDeliveredAfterTheNewerOneAndRefused() throws Exception {
        String key = prefix + "late";
        RedisURI seed = RedisURI.create(cluster.url());
        seed.setTimeout(Duration.ofMillis(500));
        RedisClusterClient client = RedisClusterClient.create(seed);
        RedisClient nodeClient = RedisClient.create(RedisURI.create("127.0.0.1", cluster.nodeOf(key)));
        RedisCommands<String, String> oldNode = nodeClient.connect().sync();
        Set<Long> before = clientIds(oldNode);
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisLeaseStore lateStore = new RedisLeaseStore(connection.sync(),
                    RedisLeaseStoreSettings.builder().keyPrefix(prefix).build());
            Lease created = Lease.unowned("late", "shardId-0", Checkpoint.TrimHorizon.INSTANCE, List.of());
            lateStore.create(created);
            Lease held = ((LeaseWrite.Written) lateStore.take(created, "w1")).lease();

            // The store's connection to the slot's node drops, and cannot come back for now (connections already
            // made, such as the test's own, keep working).
            oldNode.aclSetuser("default", AclSetuserArgs.Builder.off());
            try {
                for (long id : clientIds(oldNode)) {
                    if (!before.contains(id)) {
                        oldNode.clientKill(KillArgs.Builder.id(id));
                    }
                }
                assertThatThrownBy(() -> lateStore.checkpoint(held, new Checkpoint.AtSequenceNumber("100")))
                        .isInstanceOf(RedisCommandTimeoutException.class);
                // The slot moves; the holder's client learns it and writes its next checkpoint on the new node.
                cluster.moveSlotOf(key);
                client.refreshPartitions();
                RedisClient newNodeClient = RedisClient.create(RedisURI.create("127.0.0.1", cluster.nodeOf(key)));
                try {
                    RedisCommands<String, String> newNode = newNodeClient.connect().sync();
                    assertThat(lateStore.checkpoint(held, new Checkpoint.AtSequenceNumber("200")))
                            .isInstanceOf(LeaseWrite.Written.class);
                    long scriptsRun = evalshaCalls(newNode);
                    oldNode.aclSetuser("default", AclSetuserArgs.Builder.on());
                    // Lettuce reconnects and sends the timed-out command; the old node redirects it to the new one.
                    Awaitility.await("the timed-out checkpoint command reaches the slot's new node")
                            .atMost(Duration.ofSeconds(60)).until(() -> evalshaCalls(newNode) > scriptsRun);
                } finally {
                    newNodeClient.shutdown();
                }
            } finally {
                oldNode.aclSetuser("default", AclSetuserArgs.Builder.on());
            }
            assertThat(otherWorker.list("late")).extracting(Lease::checkpoint)
                    .containsExactly(new Checkpoint.AtSequenceNumber("200"));
        } finally {
            client.shutdown();
            nodeClient.shutdown();
        }
    }

    private static Set<Long> clientIds(RedisCommands<String, String> node) {
        return node.clientList().lines().map(line -> Long.parseLong(line.substring(3, line.indexOf(' '))))
                .collect(Collectors.toSet());
    }

    private static long evalshaCalls(RedisCommands<String, String> node) {
        return node.info("commandstats").lines().filter(line -> line.startsWith("cmdstat_evalsha:"))
                .mapToLong(line -> Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(','))))
                .findFirst().orElse(0);
    }
}

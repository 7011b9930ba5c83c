package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.idempotency.AcquireResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
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
}

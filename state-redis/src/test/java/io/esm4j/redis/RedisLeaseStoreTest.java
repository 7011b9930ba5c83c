package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the contract does not see: the hash the store keeps, a command sent twice, and data it did not write. */
class RedisLeaseStoreTest {

    @RegisterExtension
    static final LocalRedis server = new LocalRedis();

    private final RedisCommands<String, String> redis = server.connect();
    private final String prefix = "lease-test:" + UUID.randomUUID() + ":";
    private final RedisLeaseStore store = new RedisLeaseStore(redis,
            RedisLeaseStoreSettings.builder().keyPrefix(prefix).build());

    @Test
    void aMappingsLeasesAreOneHashWithAJsonValuePerShard() {
        Lease created = Lease.unowned("orders", "shardId-2", Checkpoint.TrimHorizon.INSTANCE,
                List.of("shardId-0", "shardId-1"));
        store.create(created);
        Lease taken = ((LeaseWrite.Written) store.take(created, "w1")).lease();
        store.checkpoint(taken, new Checkpoint.AtSequenceNumber("4960/3"));

        assertThat(redis.hkeys(prefix + "orders")).containsExactly("shardId-2");
        assertThat(redis.hget(prefix + "orders", "shardId-2"))
                .contains("\"owner\":\"w1\"", "\"counter\":1", "\"switches\":0", "\"write\":")
                .containsAnyOf("\"sequenceNumber\":\"4960/3\"", "\"sequenceNumber\":\"4960\\/3\"");
        // The scripts rewrite the JSON with Redis's cjson: parents and a '/' in a sequence number come back as written.
        assertThat(store.list("orders")).containsExactly(new Lease("orders", "shardId-2", "w1", 1,
                new Checkpoint.AtSequenceNumber("4960/3"), List.of("shardId-0", "shardId-1"), 0));
    }

    @Test
    void aRenewalRecordsTheHoldersFailoverTimeWhichIsBelievedOnlyAtTheCounterItWasWrittenWith() {
        String key = prefix + "orders";
        // As an older version writes it: no FailoverTime fields. It reads as unknown.
        Lease created = Lease.unowned("orders", "shardId-3", Checkpoint.TrimHorizon.INSTANCE, List.of());
        store.create(created);
        Lease taken = ((LeaseWrite.Written) store.take(created, "w1")).lease();
        assertThat(taken.ownerFailoverTime()).isNull();
        assertThat(store.list("orders")).singleElement().satisfies(l -> assertThat(l.ownerFailoverTime()).isNull());

        Lease renewed = ((LeaseWrite.Written) store.renew(taken.stating(Duration.ofSeconds(10)))).lease();
        assertThat(renewed.ownerFailoverTime()).isEqualTo(Duration.ofSeconds(10));
        assertThat(redis.hget(key, "shardId-3")).contains("\"failoverTimeMs\":10000", "\"failoverTimeCounter\":2");
        Lease checkpointed = ((LeaseWrite.Written) store.checkpoint(renewed, new Checkpoint.AtSequenceNumber("7")))
                .lease();
        assertThat(checkpointed.ownerFailoverTime()).isEqualTo(Duration.ofSeconds(10));
        assertThat(store.list("orders")).singleElement()
                .satisfies(l -> assertThat(l.ownerFailoverTime()).isEqualTo(Duration.ofSeconds(10)));

        // A worker of an older version takes the lease: its script decodes and encodes the whole lease, keeping the
        // fields it does not know, while it moves the counter on. The value is w1's, not w3's.
        redis.eval("local lease = cjson.decode(redis.call('HGET', KEYS[1], ARGV[1])) lease.owner = 'w3' "
                + "lease.counter = lease.counter + 1 redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(lease)) "
                + "return 1", ScriptOutputType.INTEGER, new String[] {key}, "shardId-3");
        assertThat(redis.hget(key, "shardId-3")).contains("\"failoverTimeMs\":10000");
        Lease olderVersions = store.list("orders").getFirst();
        assertThat(olderVersions.owner()).isEqualTo("w3");
        assertThat(olderVersions.ownerFailoverTime()).isNull();

        // A take by this version clears the fields; a renewal stating none leaves none.
        Lease retaken = ((LeaseWrite.Written) store.take(olderVersions, "w1")).lease();
        assertThat(redis.hget(key, "shardId-3")).doesNotContain("failoverTime");
        assertThat(((LeaseWrite.Written) store.renew(retaken.stating(null))).lease().ownerFailoverTime()).isNull();
        assertThat(redis.hget(key, "shardId-3")).doesNotContain("failoverTime");
    }

    @Test
    void aWriteSentTwiceFindsItsOwnResultWhileASecondWriteOfTheSameVersionIsRefused() {
        Lease created = Lease.unowned("orders", "shardId-1", Checkpoint.TrimHorizon.INSTANCE, List.of());
        store.create(created);

        LeaseWrite first = store.write(created, "take", "w1", "write-1");
        // Lettuce sends a command again after a reconnect when the first answer was lost.
        LeaseWrite again = store.write(created, "take", "w1", "write-1");
        LeaseWrite another = store.write(created, "take", "w2", "write-2");

        Lease taken = new Lease("orders", "shardId-1", "w1", 1, Checkpoint.TrimHorizon.INSTANCE, List.of(), 1);
        assertThat(first).isEqualTo(new LeaseWrite.Written(taken));
        assertThat(again).isEqualTo(new LeaseWrite.Written(taken));
        assertThat(another).isEqualTo(new LeaseWrite.Lost(taken));
    }

    @Test
    void aLateCopyOfAnOlderCheckpointCommandDoesNotMoveTheCheckpointBack() {
        // The store's commands pass through a recorder, so that the test can deliver the very EVALSHA of an older
        // checkpoint again after a newer one, as a Redis Cluster connection does with a command whose synchronous
        // call timed out: it replays it after a reconnect, or follows the MOVED/ASK its old node answered.
        List<Object[]> sent = new ArrayList<>();
        @SuppressWarnings("unchecked")
        RedisClusterCommands<String, String> recorded = (RedisClusterCommands<String, String>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisClusterCommands.class}, (proxy, method, args) -> {
                    if (method.getName().equals("evalsha") && args.length == 4) {
                        sent.add(args);
                    }
                    try {
                        return method.invoke(redis, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        RedisLeaseStore recording = new RedisLeaseStore(recorded,
                RedisLeaseStoreSettings.builder().keyPrefix(prefix).build());
        Lease created = Lease.unowned("orders", "shardId-3", Checkpoint.TrimHorizon.INSTANCE, List.of());
        recording.create(created);
        Lease held = ((LeaseWrite.Written) recording.take(created, "w1")).lease();

        recording.checkpoint(held, new Checkpoint.AtSequenceNumber("100"));
        Object[] older = sent.getLast();
        assertThat(recording.checkpoint(held, new Checkpoint.AtSequenceNumber("200")))
                .isInstanceOf(LeaseWrite.Written.class);
        List<Object> late = redis.evalsha((String) older[0], (ScriptOutputType) older[1], (String[]) older[2],
                (String[]) older[3]);

        assertThat(late.getFirst()).as("the late copy is refused").isEqualTo(0L);
        assertThat(store.list("orders")).containsExactly(new Lease("orders", "shardId-3", "w1", 1,
                new Checkpoint.AtSequenceNumber("200"), List.of(), 0));
        // The holder's next checkpoint is written as usual. The lease's next holder, in a process of its own, counts
        // its writes afresh: a take forgets the number, however high the old holder's process had counted.
        assertThat(recording.checkpoint(held, new Checkpoint.AtSequenceNumber("300")))
                .isInstanceOf(LeaseWrite.Written.class);
        redis.eval("local l = cjson.decode(redis.call('HGET', KEYS[1], ARGV[1])) l.checkpointWrite = 1e12 "
                + "redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(l)) return 1", ScriptOutputType.INTEGER,
                new String[] {prefix + "orders"}, "shardId-3");
        Lease next = ((LeaseWrite.Written) store.take(store.list("orders").getFirst(), "w2")).lease();
        assertThat(store.checkpoint(next, new Checkpoint.AtSequenceNumber("400"))).isEqualTo(new LeaseWrite.Written(
                new Lease("orders", "shardId-3", "w2", 2, new Checkpoint.AtSequenceNumber("400"), List.of(), 0)));
    }

    @Test
    void aValueUnderThePrefixThatEsm4jDidNotWriteIsAnErrorNamingTheShard() {
        redis.hset(prefix + "orders", "shardId-9", "not json");

        assertThatThrownBy(() -> store.list("orders")).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The lease of shard shardId-9 of mapping orders in Redis is not one esm4j "
                        + "wrote: ")
                .hasMessageEndingWith(". Does something else write keys under this prefix?");
    }
}

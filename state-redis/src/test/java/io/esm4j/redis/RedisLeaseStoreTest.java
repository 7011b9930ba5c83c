package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.lettuce.core.api.sync.RedisCommands;
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
    void aValueUnderThePrefixThatEsm4jDidNotWriteIsAnErrorNamingTheShard() {
        redis.hset(prefix + "orders", "shardId-9", "not json");

        assertThatThrownBy(() -> store.list("orders")).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The lease of shard shardId-9 of mapping orders in Redis is not one esm4j "
                        + "wrote: ")
                .hasMessageEndingWith(". Does something else write keys under this prefix?");
    }
}

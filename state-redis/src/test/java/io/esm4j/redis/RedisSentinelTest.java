package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lease store on a master found through Sentinel, across the loss of that master: Lettuce reconnects, asking the
 * sentinel for the master each time, until the sentinel names the replica it promoted.
 */
class RedisSentinelTest {

    @RegisterExtension
    static final LocalRedisSentinel sentinel = new LocalRedisSentinel();

    private static final RedisClient client = RedisClient.create();

    @AfterAll
    static void shutDown() {
        client.shutdown();
    }

    @Test
    void aLeaseTakenBeforeTheMasterIsLostIsCheckpointedOnTheMasterAfterTheFailover() {
        StatefulRedisConnection<String, String> connection = client.connect(RedisURI.create(sentinel.url()));
        RedisLeaseStore store = new RedisLeaseStore(connection.sync(), RedisLeaseStoreSettings.defaults());
        Lease created = Lease.unowned("orders", "shardId-0", Checkpoint.TrimHorizon.INSTANCE, List.of());
        store.create(created);
        Lease taken = ((LeaseWrite.Written) store.take(created, "w1")).lease();
        int before = sentinel.masterPort();

        sentinel.loseMaster();
        LeaseWrite checkpointed = store.checkpoint(taken, new Checkpoint.AtSequenceNumber("42"));

        assertThat(sentinel.masterPort()).isNotEqualTo(before);
        assertThat(checkpointed).isInstanceOf(LeaseWrite.Written.class);
        try (StatefulRedisConnection<String, String> fresh = client.connect(RedisURI.create(sentinel.url()))) {
            assertThat(new RedisLeaseStore(fresh.sync(), RedisLeaseStoreSettings.defaults()).list("orders"))
                    .containsExactly(((LeaseWrite.Written) checkpointed).lease());
        }
        connection.close();
    }
}

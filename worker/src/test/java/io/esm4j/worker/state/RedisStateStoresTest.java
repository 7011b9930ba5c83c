package io.esm4j.worker.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.redis.LocalRedisCluster;
import io.esm4j.redis.LocalRedisSentinel;
import io.esm4j.redis.RedisLeaseStoreSettings;
import io.esm4j.worker.StoreLocation;
import io.esm4j.worker.mappings.SourcePairs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The worker's {@code --lease-redis} on a Redis Cluster and through Sentinel: one flag, the kind found at start. */
class RedisStateStoresTest {

    /** Source and function pairs as a worker in us-east-1 tells them apart. */
    private static final SourcePairs PAIRS = new SourcePairs("us-east-1");

    @RegisterExtension
    static final LocalRedisCluster cluster = new LocalRedisCluster();

    @RegisterExtension
    static final LocalRedisSentinel sentinel = new LocalRedisSentinel();

    @TempDir
    Path dataDirectory;

    @Test
    void leasesOfMappingsOnEveryNodeOfAClusterGivenByOneNodesUrl() throws Exception {
        String prefix = RedisLeaseStoreSettings.defaults().keyPrefix();
        // Mappings until each of the three nodes serves one's hash: a connection to one node alone would be redirected.
        List<String> mappings = IntStream.range(0, 1_000).mapToObj(i -> "mapping-" + i)
                .filter(distinctNodes(prefix)).limit(3).toList();
        assertThat(mappings).hasSize(3);

        try (StateStores stores = StateStores.open(redis(cluster.url()), new StoreLocation.DataDirectory(),
                dataDirectory, null, PAIRS)) {
            for (String mapping : mappings) {
                assertThat(takeAndCheckpoint(stores.leases(), mapping)).isInstanceOf(LeaseWrite.Written.class);
            }
        }
        for (String mapping : mappings) {
            assertThat(cluster.connect().hkeys(prefix + mapping)).containsExactly("shardId-0");
        }
    }

    @Test
    void leasesOnTheMasterThatSentinelNames() throws Exception {
        try (StateStores stores = StateStores.open(redis(sentinel.url()), new StoreLocation.DataDirectory(),
                dataDirectory, null, PAIRS)) {
            assertThat(takeAndCheckpoint(stores.leases(), "orders")).isInstanceOf(LeaseWrite.Written.class);
        }
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> master = client.connect(
                RedisURI.create("127.0.0.1", sentinel.masterPort()))) {
            assertThat(master.sync().hkeys(RedisLeaseStoreSettings.defaults().keyPrefix() + "orders"))
                    .containsExactly("shardId-0");
        } finally {
            client.shutdown();
        }
    }

    private static LeaseWrite takeAndCheckpoint(LeaseStore leases, String mapping) throws Exception {
        Lease created = Lease.unowned(mapping, "shardId-0", Checkpoint.TrimHorizon.INSTANCE, List.of());
        leases.create(created);
        Lease taken = ((LeaseWrite.Written) leases.take(created, "worker-1")).lease();
        return leases.checkpoint(taken, new Checkpoint.AtSequenceNumber("7"));
    }

    private static Predicate<String> distinctNodes(String prefix) {
        Set<Integer> seen = new HashSet<>();
        return mapping -> seen.add(cluster.nodeOf(prefix + mapping));
    }

    private static StoreLocation.Redis redis(String url) {
        return new StoreLocation.Redis(URI.create(url));
    }
}

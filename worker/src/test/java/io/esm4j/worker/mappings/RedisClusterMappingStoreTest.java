package io.esm4j.worker.mappings;

import io.esm4j.redis.LocalRedisCluster;
import io.esm4j.worker.StoreLocation;
import io.esm4j.worker.state.StateStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared mapping store contract on a real Redis Cluster, each worker's store opened as the worker opens it from
 * {@code --mapping-redis} with the URL of one node: it finds out that the server is a cluster node.
 */
class RedisClusterMappingStoreTest extends SharedMappingStoreContract {

    /** Source and function pairs as a worker in us-east-1 tells them apart. */
    private static final SourcePairs PAIRS = new SourcePairs("us-east-1");

    @RegisterExtension
    static final LocalRedisCluster cluster = new LocalRedisCluster();

    @TempDir
    Path dataDirectory;

    private final List<StateStores> opened = new ArrayList<>();

    @BeforeEach
    void empty() {
        cluster.connect().flushdb();
    }

    @AfterEach
    void close() {
        opened.forEach(StateStores::close);
    }

    @Override
    protected MappingStore workerStore() {
        try {
            // Leases stay in each worker's data directory, which is its own.
            Path own = dataDirectory.resolve("worker-" + opened.size());
            StateStores stores = StateStores.open(new StoreLocation.DataDirectory(),
                    new StoreLocation.Redis(URI.create(cluster.url())), own, null, PAIRS);
            opened.add(stores);
            return stores.mappings();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

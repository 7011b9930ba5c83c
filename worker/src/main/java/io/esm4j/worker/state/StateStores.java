package io.esm4j.worker.state;

import io.esm4j.dynamodb.DynamoDbLeaseStore;
import io.esm4j.dynamodb.DynamoDbLeaseStoreSettings;
import io.esm4j.lease.LeaseStore;
import io.esm4j.redis.RedisLeaseStore;
import io.esm4j.redis.RedisLeaseStoreSettings;
import io.esm4j.worker.StoreLocation;
import io.esm4j.worker.mappings.DynamoDbMappingStore;
import io.esm4j.worker.mappings.FileMappingStore;
import io.esm4j.worker.mappings.MappingStore;
import io.esm4j.worker.mappings.RedisMappingStore;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The worker's lease store and mapping store, opened where the options say ({@link StoreLocation}), and the Redis
 * connections opened for them: one per URL (leases and mappings on the same server share it, as Lettuce connections
 * are thread-safe), to a server, a Sentinel's master or a cluster ({@link RedisConnection}); and, when a store is in
 * the data directory, that directory's lock ({@link DataDirectoryLock}). {@link #close()} closes them once the
 * mappings have stopped (their final checkpoints go through the lease store).
 */
public final class StateStores implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateStores.class);

    /** The data directory's lock, if a store is there, and the Redis connections: what {@link #close()} closes. */
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Map<URI, RedisClusterCommands<String, String>> redisServers = new HashMap<>();
    private LeaseStore leases;
    private MappingStore mappings;

    private StateStores() {}

    public static StateStores open(StoreLocation leases, StoreLocation mappings, Path dataDirectory,
                                   DynamoDbClient dynamoDb) throws IOException {
        StateStores stores = new StateStores();
        try {
            if (leases instanceof StoreLocation.DataDirectory || mappings instanceof StoreLocation.DataDirectory) {
                stores.resources.add(DataDirectoryLock.take(dataDirectory));
            }
            stores.leases = switch (leases) {
                case StoreLocation.DataDirectory ignored -> FileLeaseStore.open(dataDirectory);
                case StoreLocation.DynamoDbTable table -> new DynamoDbLeaseStore(dynamoDb,
                        DynamoDbLeaseStoreSettings.builder().tableName(table.name()).build());
                case StoreLocation.Redis redis -> new RedisLeaseStore(stores.connect(redis, "--lease-redis"),
                        RedisLeaseStoreSettings.defaults());
            };
            stores.mappings = switch (mappings) {
                case StoreLocation.DataDirectory ignored -> new FileMappingStore(dataDirectory);
                case StoreLocation.DynamoDbTable table -> new DynamoDbMappingStore(dynamoDb, table.name());
                case StoreLocation.Redis redis -> new RedisMappingStore(stores.connect(redis, "--mapping-redis"));
            };
            return stores;
        } catch (IOException | RuntimeException e) {
            stores.close();
            throw e;
        }
    }

    public LeaseStore leases() {
        return leases;
    }

    public MappingStore mappings() {
        return mappings;
    }

    private RedisClusterCommands<String, String> connect(StoreLocation.Redis location, String flag)
            throws IOException {
        RedisClusterCommands<String, String> connected = redisServers.get(location.uri());
        if (connected != null) {
            return connected;
        }
        RedisConnection connection = RedisConnection.open(RedisURI.create(location.uri()), flag);
        resources.add(connection.closer());
        redisServers.put(location.uri(), connection.commands());
        return connection.commands();
    }

    /** Closes the Redis connections and lets the data directory go; a failure is logged, the worker is stopping. */
    @Override
    public void close() {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.atWarn().setCause(e).log("closing a connection or the data directory's lock failed");
            }
        }
        resources.clear();
        redisServers.clear();
    }
}

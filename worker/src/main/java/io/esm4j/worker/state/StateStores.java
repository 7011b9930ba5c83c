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
import io.esm4j.worker.mappings.SourcePairs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The worker's lease store and mapping store, opened where the options say ({@link StoreLocation}), and the Redis
 * connections opened for them: one per URL (leases and mappings on the same server share it, as Lettuce connections
 * are thread-safe), to a server, a Sentinel's master or a cluster ({@link RedisConnection}), made again later if the
 * server does not answer at start ({@link RedisOnDemand}); and, when a store is in
 * the data directory, that directory's lock ({@link DataDirectoryLock}). {@link #close()} closes them once the
 * mappings have stopped (their final checkpoints go through the lease store): the stores' files first, so that no
 * write of them outlives the lock.
 */
public final class StateStores implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateStores.class);

    /** Closing a store of the data directory: later writes refused, the one in progress waited for. */
    @FunctionalInterface
    private interface DataFile {
        void close() throws IOException, InterruptedException;
    }

    private final List<DataFile> dataFiles = new ArrayList<>();
    private AutoCloseable dataDirectoryLock = () -> { };
    /** The Redis connections. */
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Map<URI, RedisClusterCommands<String, String>> redisServers = new HashMap<>();
    /** Set by {@link #open} before it returns the stores. */
    private @Nullable LeaseStore leases;
    private @Nullable MappingStore mappings;

    private StateStores() {}

    /** @param pairs how the mapping store tells source and function pairs apart (the worker's region) */
    public static StateStores open(StoreLocation leases, StoreLocation mappings, Path dataDirectory,
                                   DynamoDbClient dynamoDb, SourcePairs pairs) throws IOException {
        return open(leases, mappings, dataDirectory, dynamoDb, pairs, DataFiles::replace);
    }

    /** The same, with the data directory's files written by {@code writer}: a test's, which holds a write. */
    static StateStores open(StoreLocation leases, StoreLocation mappings, Path dataDirectory,
                            DynamoDbClient dynamoDb, SourcePairs pairs, DataFiles.Writer writer) throws IOException {
        StateStores stores = new StateStores();
        try {
            if (leases instanceof StoreLocation.DataDirectory || mappings instanceof StoreLocation.DataDirectory) {
                stores.dataDirectoryLock = DataDirectoryLock.take(dataDirectory);
            }
            stores.leases = switch (leases) {
                case StoreLocation.DataDirectory ignored -> {
                    FileLeaseStore file = FileLeaseStore.open(dataDirectory, writer);
                    stores.dataFiles.add(file::close);
                    yield file;
                }
                case StoreLocation.DynamoDbTable table -> new DynamoDbLeaseStore(dynamoDb,
                        DynamoDbLeaseStoreSettings.builder().tableName(table.name()).build());
                case StoreLocation.Redis redis -> new RedisLeaseStore(stores.connect(redis, "--lease-redis"),
                        RedisLeaseStoreSettings.defaults());
            };
            stores.mappings = switch (mappings) {
                case StoreLocation.DataDirectory ignored -> {
                    FileMappingStore file = new FileMappingStore(dataDirectory, pairs, writer);
                    stores.dataFiles.add(file::close);
                    yield file;
                }
                case StoreLocation.DynamoDbTable table -> new DynamoDbMappingStore(dynamoDb, table.name(), pairs);
                case StoreLocation.Redis redis -> new RedisMappingStore(stores.connect(redis, "--mapping-redis"),
                        pairs);
            };
            return stores;
        } catch (IOException | RuntimeException e) {
            stores.close();
            throw e;
        }
    }

    public LeaseStore leases() {
        return Objects.requireNonNull(leases, "open() sets it");
    }

    public MappingStore mappings() {
        return Objects.requireNonNull(mappings, "open() sets it");
    }

    private RedisClusterCommands<String, String> connect(StoreLocation.Redis location, String flag) {
        RedisClusterCommands<String, String> connected = redisServers.get(location.uri());
        if (connected != null) {
            return connected;
        }
        // The URL is read now, so that one Lettuce does not take fails the start; the server may answer later.
        RedisOnDemand connection = new RedisOnDemand(RedisConnection.uri(location.uri()), flag, RedisConnection::open);
        resources.add(connection);
        connection.connectAtStart();
        redisServers.put(location.uri(), connection.commands());
        return connection.commands();
    }

    /**
     * Closes the data directory's stores, then lets the directory go, and closes the Redis connections; a failure is
     * logged, the worker is stopping. A write of a file still in progress after the lock went (an engine thread past
     * its drain's deadline, an API call still running) could replace the file of a worker started on the directory
     * since: so the lock goes only once no write can begin and none runs, and is kept if one does not end (the
     * process's end releases it).
     */
    @Override
    public void close() {
        boolean writesEnded = true;
        for (DataFile file : dataFiles) {
            try {
                file.close();
            } catch (IOException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                writesEnded = false;
                LOG.atWarn().addKeyValue("error", e.toString())
                        .log("a write of the data directory still runs: its lock is kept until the process ends");
            }
        }
        if (writesEnded) {
            dataFiles.clear();
            closeLogged(dataDirectoryLock);
            dataDirectoryLock = () -> { };
        }
        resources.forEach(StateStores::closeLogged);
        resources.clear();
        redisServers.clear();
    }

    private static void closeLogged(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            LOG.atWarn().setCause(e).log("closing a connection or the data directory's lock failed");
        }
    }
}

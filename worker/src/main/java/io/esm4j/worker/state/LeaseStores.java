package io.esm4j.worker.state;

import io.esm4j.dynamodb.DynamoDbLeaseStore;
import io.esm4j.dynamodb.DynamoDbLeaseStoreSettings;
import io.esm4j.lease.LeaseStore;
import io.esm4j.redis.RedisLeaseStore;
import io.esm4j.redis.RedisLeaseStoreSettings;
import io.esm4j.worker.LeaseLocation;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Path;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Opens the lease store a worker was told to use, and closes what it connected for it. */
public final class LeaseStores {

    /** A lease store and what to close once the mappings have stopped (their final checkpoints go through it). */
    public record Opened(LeaseStore store, AutoCloseable connection) {}

    private LeaseStores() {}

    public static Opened open(LeaseLocation location, Path dataDirectory, DynamoDbClient dynamoDb) throws IOException {
        return switch (location) {
            case LeaseLocation.DataDirectory ignored -> new Opened(FileLeaseStore.open(dataDirectory), () -> { });
            case LeaseLocation.DynamoDbTable table -> new Opened(new DynamoDbLeaseStore(dynamoDb,
                    DynamoDbLeaseStoreSettings.builder().tableName(table.name()).build()), () -> { });
            case LeaseLocation.Redis redis -> redis(redis);
        };
    }

    private static Opened redis(LeaseLocation.Redis location) throws IOException {
        RedisURI uri = RedisURI.create(location.uri());
        RedisClient client = RedisClient.create(uri);
        StatefulRedisConnection<String, String> connection;
        try {
            connection = client.connect();
        } catch (RedisException e) {
            client.shutdown();
            // The URL may hold a password: name the server only.
            throw new IOException("Could not connect to Redis at " + uri.getHost() + ":" + uri.getPort()
                    + " (--lease-redis): " + e.getMessage() + ". Expected a Redis or Valkey server there.", e);
        }
        return new Opened(new RedisLeaseStore(connection.sync(), RedisLeaseStoreSettings.defaults()), () -> {
            connection.close();
            client.shutdown();
        });
    }
}

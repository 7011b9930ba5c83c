package io.esm4j.modulepath;

import io.esm4j.dynamodb.DynamoDbIdempotencyStore;
import io.esm4j.dynamodb.DynamoDbIdempotencyStoreSettings;
import io.esm4j.dynamodb.DynamoDbLeaseStore;
import io.esm4j.dynamodb.DynamoDbLeaseStoreSettings;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.lease.LeaseStore;
import io.esm4j.redis.RedisIdempotencyStore;
import io.esm4j.redis.RedisIdempotencyStoreSettings;
import io.esm4j.redis.RedisLeaseStore;
import io.esm4j.redis.RedisLeaseStoreSettings;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Clock;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The durable lease and idempotency stores, built as their READMEs build them; building one calls nothing. */
public final class Stores {

    private Stores() {}

    public static LeaseStore dynamoDbLeases(DynamoDbClient dynamoDb) {
        return new DynamoDbLeaseStore(dynamoDb, DynamoDbLeaseStoreSettings.builder().tableName("orders-leases").build());
    }

    public static IdempotencyStore dynamoDbKeys(DynamoDbClient dynamoDb) {
        return new DynamoDbIdempotencyStore(dynamoDb, DynamoDbIdempotencyStoreSettings.defaults(), Clock.systemUTC());
    }

    public static LeaseStore redisLeases(RedisClusterCommands<String, String> redis) {
        return new RedisLeaseStore(redis, RedisLeaseStoreSettings.defaults());
    }

    public static IdempotencyStore redisKeys(RedisClusterCommands<String, String> redis) {
        return new RedisIdempotencyStore(redis, RedisIdempotencyStoreSettings.defaults(), Clock.systemUTC());
    }
}

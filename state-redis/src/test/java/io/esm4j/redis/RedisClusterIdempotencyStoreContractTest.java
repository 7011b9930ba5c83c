package io.esm4j.redis;

import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.testsupport.IdempotencyStoreContract;
import java.time.Clock;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contract on a real Redis Cluster of three masters: the keys of one test spread over its nodes. */
class RedisClusterIdempotencyStoreContractTest extends IdempotencyStoreContract {

    @RegisterExtension
    static final LocalRedisCluster cluster = new LocalRedisCluster();

    @Override
    protected IdempotencyStore store(Clock clock) {
        return new RedisIdempotencyStore(cluster.connect(), RedisIdempotencyStoreSettings.defaults(), clock);
    }
}

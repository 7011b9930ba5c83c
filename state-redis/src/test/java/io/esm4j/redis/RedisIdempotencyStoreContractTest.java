package io.esm4j.redis;

import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.testsupport.IdempotencyStoreContract;
import java.time.Clock;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract on a real Redis server. The tests' clock stands at 2026-01-01 and moves only when a test moves it,
 * while Redis counts real time: every expiry seen here is the store's own comparison, never a key Redis deleted.
 */
class RedisIdempotencyStoreContractTest extends IdempotencyStoreContract {

    @RegisterExtension
    static final LocalRedis redis = new LocalRedis();

    @Override
    protected IdempotencyStore store(Clock clock) {
        // A connection per store: the concurrency case races consumers that share nothing but the server.
        return new RedisIdempotencyStore(redis.connect(), RedisIdempotencyStoreSettings.defaults(), clock);
    }
}

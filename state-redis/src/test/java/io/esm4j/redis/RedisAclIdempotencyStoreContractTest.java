package io.esm4j.redis;

import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.testsupport.IdempotencyStoreContract;
import java.time.Clock;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The idempotency store contract as a Redis user with only the README's ACL rules for it (RedisAcl), a user per
 * consumer.
 */
class RedisAclIdempotencyStoreContractTest extends IdempotencyStoreContract {

    @RegisterExtension
    static final LocalRedis redis = new LocalRedis();

    @Override
    protected IdempotencyStore store(Clock clock) {
        return new RedisIdempotencyStore(RedisAcl.userWith(redis, RedisAcl.IDEMPOTENCY_RULES),
                RedisIdempotencyStoreSettings.defaults(), clock);
    }
}

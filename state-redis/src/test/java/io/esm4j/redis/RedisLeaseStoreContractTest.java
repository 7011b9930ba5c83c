package io.esm4j.redis;

import io.esm4j.lease.LeaseStore;
import io.esm4j.testsupport.LeaseStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lease store contract on a real Redis server; the other worker has a connection of its own. */
class RedisLeaseStoreContractTest extends LeaseStoreContract {

    @RegisterExtension
    static final LocalRedis redis = new LocalRedis();

    private final LeaseStore store = new RedisLeaseStore(redis.connect(), RedisLeaseStoreSettings.defaults());
    private final LeaseStore other = new RedisLeaseStore(redis.connect(), RedisLeaseStoreSettings.defaults());

    @Override
    protected LeaseStore store() {
        return store;
    }

    @Override
    protected LeaseStore otherWorker() {
        return other;
    }
}

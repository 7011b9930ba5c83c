package io.esm4j.redis;

import io.esm4j.lease.LeaseStore;
import io.esm4j.testsupport.LeaseStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The lease store contract on a real Redis server; the other worker has a connection of its own. */
class RedisLeaseStoreContractTest extends LeaseStoreContract {

    private static LocalRedis redis;
    private static LeaseStore store;
    private static LeaseStore other;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = LocalRedis.start();
        store = new RedisLeaseStore(redis.connect(), RedisLeaseStoreSettings.defaults());
        other = new RedisLeaseStore(redis.connect(), RedisLeaseStoreSettings.defaults());
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected LeaseStore store() {
        return store;
    }

    @Override
    protected LeaseStore otherWorker() {
        return other;
    }
}

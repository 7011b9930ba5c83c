package io.esm4j.redis;

import io.esm4j.lease.LeaseStore;
import io.esm4j.testsupport.LeaseStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lease store contract on a real Redis Cluster of three masters; the other worker has a connection of its own. */
class RedisClusterLeaseStoreContractTest extends LeaseStoreContract {

    @RegisterExtension
    static final LocalRedisCluster cluster = new LocalRedisCluster();

    private final LeaseStore store = new RedisLeaseStore(cluster.connect(), RedisLeaseStoreSettings.defaults());
    private final LeaseStore other = new RedisLeaseStore(cluster.connect(), RedisLeaseStoreSettings.defaults());

    @Override
    protected LeaseStore store() {
        return store;
    }

    @Override
    protected LeaseStore otherWorker() {
        return other;
    }
}

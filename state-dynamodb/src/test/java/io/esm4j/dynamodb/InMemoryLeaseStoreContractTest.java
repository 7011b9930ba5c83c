package io.esm4j.dynamodb;

import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.LeaseStore;
import io.esm4j.testsupport.LeaseStoreContract;

/** The contract on esm-core's in-memory store, the reference the DynamoDB store is held to. */
class InMemoryLeaseStoreContractTest extends LeaseStoreContract {

    private final InMemoryLeaseStore store = new InMemoryLeaseStore();

    @Override
    protected LeaseStore store() {
        return store;
    }

    @Override
    protected LeaseStore otherWorker() {
        return store;
    }
}

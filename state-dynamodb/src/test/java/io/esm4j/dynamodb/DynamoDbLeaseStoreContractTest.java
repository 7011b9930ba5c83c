package io.esm4j.dynamodb;

import io.esm4j.lease.LeaseStore;
import io.esm4j.testsupport.LeaseStoreContract;
import io.esm4j.testsupport.RequiresNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contract on DynamoDB (dynalite): every worker has its own SDK client. Lists read pages of 7 items, so that
 * the 25 leases of the listing test take several Query pages.
 */
@RequiresNode
@ExtendWith(DynaliteExtension.class)
class DynamoDbLeaseStoreContractTest extends LeaseStoreContract {

    private static final DynamoDbLeaseStoreSettings SETTINGS = DynamoDbLeaseStoreSettings.builder()
            .tableName(Clients.table("contract-leases")).build();
    private static final List<Clients.Worker> clients = new ArrayList<>();
    private static LeaseStore main;

    @BeforeAll
    static void connect() {
        main = newStore();
    }

    @AfterAll
    static void disconnect() {
        clients.forEach(Clients.Worker::close);
    }

    private static synchronized LeaseStore newStore() {
        Clients.Worker worker = Clients.worker();
        clients.add(worker);
        return new DynamoDbLeaseStore(worker.client(), SETTINGS, 7);
    }

    @Override
    protected LeaseStore store() {
        return main;
    }

    @Override
    protected LeaseStore otherWorker() {
        return newStore();
    }
}

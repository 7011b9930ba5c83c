package io.esm4j.dynamodb;

import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.testsupport.IdempotencyStoreContract;
import io.esm4j.testsupport.RequiresNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contract on DynamoDB (dynalite). dynalite returns no item with a failed condition, so the store's read-back
 * path is what runs here; on AWS the item comes with the failure. dynalite never runs TTL either: every expiry seen
 * here is the store's own comparison.
 */
@RequiresNode
@ExtendWith(DynaliteExtension.class)
class DynamoDbIdempotencyStoreContractTest extends IdempotencyStoreContract {

    private static final DynamoDbIdempotencyStoreSettings SETTINGS = DynamoDbIdempotencyStoreSettings.builder()
            .tableName(Clients.table("contract-idempotency")).build();
    private static final List<Clients.Worker> clients = new ArrayList<>();

    @AfterAll
    static void disconnect() {
        clients.forEach(Clients.Worker::close);
    }

    @Override
    protected IdempotencyStore store(Clock clock) {
        Clients.Worker worker = Clients.worker();
        synchronized (clients) {
            clients.add(worker);
        }
        return new DynamoDbIdempotencyStore(worker.client(), SETTINGS, clock);
    }
}

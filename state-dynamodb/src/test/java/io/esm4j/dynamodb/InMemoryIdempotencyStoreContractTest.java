package io.esm4j.dynamodb;

import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.testsupport.IdempotencyStoreContract;
import java.time.Clock;

/** The contract on esm-core's in-memory store, the reference the DynamoDB store is held to. */
class InMemoryIdempotencyStoreContractTest extends IdempotencyStoreContract {

    private InMemoryIdempotencyStore shared;

    @Override
    protected IdempotencyStore store(Clock clock) {
        // Every consumer of a test shares the one store, as consumers share one table.
        if (shared == null) {
            shared = new InMemoryIdempotencyStore(10_000, clock);
        }
        return shared;
    }
}

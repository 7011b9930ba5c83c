package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.idempotency.AcquireResult.Acquired;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.testsupport.IdempotencyStoreContract;
import io.esm4j.testsupport.RequiresNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
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

    /**
     * The SDK retries a PutItem whose response was lost after dynalite applied it: the retry's condition fails on the
     * claim's own item, which must count as acquired, or the claim would stay orphaned until its expiry.
     */
    @Test
    void aClaimWhoseResponseWasLostIsAcquiredByTheSdksRetry() {
        Clients.Worker worker = Clients.worker();
        synchronized (clients) {
            clients.add(worker);
        }
        AtomicBoolean first = new AtomicBoolean(true);
        worker.network().policy((operation, n) -> operation.equals("PutItem") && first.getAndSet(false)
                ? FaultyHttpClient.Fault.RESPONSE_LOST : FaultyHttpClient.Fault.NONE);
        IdempotencyStore store = new DynamoDbIdempotencyStore(worker.client(), SETTINGS, Clock.systemUTC());
        String key = "lost-" + System.nanoTime();

        assertThat(store.acquire(key, null, "o1", Instant.now().plusSeconds(60))).isEqualTo(Acquired.INSTANCE);
        assertThat(first).isFalse();
        assertThat(store.release(key, "o1")).isTrue();
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

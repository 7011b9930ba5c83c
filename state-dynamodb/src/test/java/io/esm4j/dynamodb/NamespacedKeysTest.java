package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyKey;
import io.esm4j.idempotency.StoredKeys;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.esm4j.testsupport.RequiresNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Keys are stored as {@code namespace:key}, and DynamoDB's 2048-byte limit on an id counts the namespace: a key that
 * fits alone but not with its namespace is stored as the digest of the whole, never refused (a refused claim would
 * hold the shard up for good). Two mappings of one stream sharing the table each process every record.
 */
@RequiresNode
@ExtendWith(DynaliteExtension.class)
class NamespacedKeysTest {

    private static final int RECORDS = 10;
    /** 2040 bytes: "billing:" + key is 2048 bytes, DynamoDB's limit exactly; "shipping:" + key is one over. */
    private static final int KEY_BYTES = 2_040;

    private static final Clients.Worker worker = Clients.worker();

    @AfterAll
    static void disconnect() {
        worker.close();
    }

    @Test
    void aKeyOverTheLimitWithItsNamespaceIsStoredAsTheDigestOfTheWholeAndEachMappingProcessesEveryRecord()
            throws Exception {
        InMemoryStream stream = InMemoryStream.create("orders", 1);
        for (int i = 0; i < RECORDS; i++) {
            stream.put("k", "{\"id\":\"" + "%04d".formatted(i) + "x".repeat(KEY_BYTES - 4) + "\"}");
        }
        String table = Clients.table("namespaced-idempotency");

        RecordingHandler<byte[]> billing = RecordingHandler.succeeding();
        run(mapping("billing", stream, billing, table, new SimpleMeterRegistry()),
                () -> billing.succeededCount() == RECORDS);
        RecordingHandler<byte[]> shipping = RecordingHandler.succeeding();
        run(mapping("shipping", stream, shipping, table, new SimpleMeterRegistry()),
                () -> shipping.succeededCount() == RECORDS);

        List<String> ids = worker.client().scan(b -> b.tableName(table)).items().stream()
                .map(item -> item.get(IdempotencyItems.ID)).map(AttributeValue::s).toList();
        assertThat(ids).hasSize(2 * RECORDS);
        assertThat(ids).filteredOn(id -> id.startsWith("billing:")).hasSize(RECORDS)
                .allSatisfy(id -> assertThat(id.getBytes(StandardCharsets.UTF_8)).hasSize(2_048));
        assertThat(ids).filteredOn(id -> id.startsWith(StoredKeys.DIGEST_MARK)).hasSize(RECORDS);

        // Another worker of shipping finds each digested key completed: the digest is the same on every host.
        RecordingHandler<byte[]> shippingAgain = RecordingHandler.succeeding();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        run(mapping("shipping", stream, shippingAgain, table, meters), () -> meters
                .get(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).counter().count() == RECORDS);
        assertThat(shippingAgain.invocationCount()).isZero();
    }

    /** A mapping reading the whole stream with checkpoints of its own, keyed on the payload's {@code /id}. */
    private static EventSourceMapping<byte[]> mapping(String name, InMemoryStream stream,
                                                      RecordingHandler<byte[]> handler, String table,
                                                      SimpleMeterRegistry meters) {
        DynamoDbIdempotencyStore store = new DynamoDbIdempotencyStore(worker.client(),
                DynamoDbIdempotencyStoreSettings.builder().tableName(table).build(), Clock.systemUTC());
        return EventSourceMapping.builder(name, stream, handler)
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).batchSize(10)
                        .build())
                .leaseStore(new InMemoryLeaseStore())
                .idempotency(Idempotency.<StreamRecord<byte[]>>of(store)
                        .withKey(IdempotencyKey.jsonPointerInBytes("/id", StreamRecord::payload)))
                .meterRegistry(meters).build();
    }

    private static void run(EventSourceMapping<byte[]> mapping, Callable<Boolean> done) throws Exception {
        mapping.start();
        try {
            await().atMost(Duration.ofMinutes(1)).until(done);
        } finally {
            mapping.stop(Duration.ofSeconds(30));
        }
    }
}

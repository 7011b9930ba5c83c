package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyKey;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Idempotency keys live in a namespace, the mapping's name by default: mappings that read the same stream for
 * different handlers and share a store process every record each, the workers of one mapping (one name) skip what
 * another completed, and mappings given one namespace on purpose share their keys.
 */
class IdempotencyNamespaceTest {

    private static final int RECORDS = 30;

    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(10_000, Clock.systemUTC());
    private final InMemoryStream stream = InMemoryStream.create("orders", 1);

    IdempotencyNamespaceTest() {
        Streams.fill(stream, RECORDS, 3);
    }

    /** Before namespaces, the second mapping skipped every record the first completed, as duplicates. */
    @Test
    void twoMappingsOfOneStreamSharingAStoreEachProcessEveryRecord() {
        Run billing = readAll("billing", Idempotency.of(store));
        Run shipping = readAll("shipping", Idempotency.of(store));

        assertThat(billing.handler.succeededCount()).isEqualTo(RECORDS);
        assertThat(shipping.handler.succeededCount()).isEqualTo(RECORDS);
        assertThat(billing.deduplicated()).isZero();
        assertThat(shipping.deduplicated()).isZero();
    }

    /** Two workers of one mapping (the same name, here each with checkpoints of its own) share its keys. */
    @Test
    void workersOfOneMappingSkipWhatAnotherCompleted() {
        Run first = readAll("billing", Idempotency.of(store));
        Run second = readAll("billing", Idempotency.of(store));

        assertThat(first.handler.succeededCount()).isEqualTo(RECORDS);
        assertThat(second.handler.invocationCount()).isZero();
        assertThat(second.deduplicated()).isEqualTo(RECORDS);
    }

    @Test
    void mappingsGivenOneNamespaceSkipWhatAnotherCompleted() {
        Run billing = readAll("billing", Idempotency.<StreamRecord<byte[]>>of(store).withNamespace("order-events"));
        Run audit = readAll("audit", Idempotency.<StreamRecord<byte[]>>of(store).withNamespace("order-events"));
        Run shipping = readAll("shipping", Idempotency.of(store));

        assertThat(billing.handler.succeededCount()).isEqualTo(RECORDS);
        assertThat(audit.handler.invocationCount()).isZero();
        assertThat(audit.deduplicated()).isEqualTo(RECORDS);
        assertThat(shipping.handler.succeededCount()).isEqualTo(RECORDS);
    }

    /** A mapping's name is a namespace too: a mapping renamed keeps its keys by naming its old name. */
    @Test
    void aNamespaceNamingAnotherMappingSharesThatMappingsKeys() {
        readAll("billing", Idempotency.of(store));
        Run renamed = readAll("billing-v2", Idempotency.<StreamRecord<byte[]>>of(store).withNamespace("billing"));

        assertThat(renamed.handler.invocationCount()).isZero();
        assertThat(renamed.deduplicated()).isEqualTo(RECORDS);
    }

    /** The namespace, then the user's prefix, then the key, each followed by ':'. */
    @Test
    void keysAreStoredAsNamespacePrefixAndKey() {
        List<String> keys = new CopyOnWriteArrayList<>();
        IdempotencyStore recording = new ForwardingIdempotencyStore(store) {
            @Override
            public AcquireResult acquire(String key, @Nullable String payloadHash, String owner, Instant expiry) {
                keys.add(key);
                return super.acquire(key, payloadHash, owner, expiry);
            }
        };
        StreamRecord<byte[]> first = stream.records(stream.openShardIds().getFirst()).getFirst();

        readAll("billing", Idempotency.of(recording));
        assertThat(keys).hasSize(RECORDS).first().isEqualTo("billing:" + stream.naturalId(first));
        keys.clear();
        readAll("audit", Idempotency.<StreamRecord<byte[]>>of(recording)
                .withKey(IdempotencyKey.<StreamRecord<byte[]>>naturalId().prefixed("v2")).withNamespace("shared"));
        assertThat(keys).hasSize(RECORDS).first().isEqualTo("shared:v2:" + stream.naturalId(first));
    }

    @Test
    void aNamespaceOutsideTheMappingNamesFormIsRefused() {
        Idempotency<StreamRecord<byte[]>> idempotency = Idempotency.of(store);

        // With ':' the namespace could end inside the key, and two namespaces could share keys.
        assertThatThrownBy(() -> idempotency.withNamespace("orders:eu"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for Namespace: orders:eu. Expected 1–128 letters, digits, '.', '_' or '-'.");
        assertThatThrownBy(() -> idempotency.withNamespace("x".repeat(129)))
                .isInstanceOf(InvalidSettingException.class);
        assertThatThrownBy(() -> BatchDeduplicator.builder(store, "", new RetainingMeterRegistry(), List.of()))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for Namespace: . Expected 1–128 letters, digits, '.', '_' or '-'.");
    }

    /** Reads the whole stream with checkpoints of its own, as another service (or a worker that lost them) would. */
    private Run readAll(String name, Idempotency<StreamRecord<byte[]>> idempotency) {
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        RecordingLeaseStore checkpoints = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream, handler)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(checkpoints).meterRegistry(registry)
                .idempotency(idempotency).build();
        String shard = stream.openShardIds().getFirst();
        String last = stream.records(shard).getLast().sequenceNumber();
        mapping.start();
        try {
            await().until(() -> checkpoints.load(name, shard)
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        return new Run(handler, registry, name);
    }

    private record Run(RecordingHandler<byte[]> handler, RetainingMeterRegistry registry, String name) {
        double deduplicated() {
            return registry.get(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).tag(MetricNames.MAPPING_TAG, name)
                    .counter().count();
        }
    }
}

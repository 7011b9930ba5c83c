package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store behind mappings: each mapping's keys are its own (its name is their namespace), so two mappings reading
 * the same records each handle all of them; mappings given one namespace never handle again what another completed.
 */
class RedisIdempotencyMappingTest {

    private static final int RECORDS = 40;
    private static final Duration STOP = Duration.ofSeconds(30);

    @RegisterExtension
    static final LocalRedis server = new LocalRedis();

    @Test
    void twoMappingsOverTheSameRecordsEachHandleAllOfThemUnderKeysOfTheirOwn() throws Exception {
        InMemoryStream stream = orders();
        String prefix = "mapping-test:" + UUID.randomUUID() + ":";
        RedisIdempotencyStoreSettings settings = RedisIdempotencyStoreSettings.builder().keyPrefix(prefix).build();

        RecordingHandler<byte[]> billing = RecordingHandler.succeeding();
        SimpleMeterRegistry billingMeters = new SimpleMeterRegistry();
        run(mapping("billing", stream, billing, settings, billingMeters, null),
                () -> billing.succeededCount() == RECORDS);
        RecordingHandler<byte[]> shipping = RecordingHandler.succeeding();
        SimpleMeterRegistry shippingMeters = new SimpleMeterRegistry();
        run(mapping("shipping", stream, shipping, settings, shippingMeters, null),
                () -> shipping.succeededCount() == RECORDS);

        assertThat(deduplicated(billingMeters)).isZero();
        assertThat(deduplicated(shippingMeters)).isZero();
        RedisCommands<String, String> redis = server.connect();
        assertThat(redis.keys(prefix + "billing:*")).hasSize(RECORDS);
        assertThat(redis.keys(prefix + "shipping:*")).hasSize(RECORDS);
    }

    @Test
    void aSecondMappingInTheFirstsNamespaceHandsNoneOfTheRecordsTheFirstCompletedToItsHandler() throws Exception {
        InMemoryStream stream = orders();
        String prefix = "mapping-test:" + UUID.randomUUID() + ":";
        RedisIdempotencyStoreSettings settings = RedisIdempotencyStoreSettings.builder().keyPrefix(prefix).build();

        RecordingHandler<byte[]> first = RecordingHandler.succeeding();
        SimpleMeterRegistry firstMeters = new SimpleMeterRegistry();
        run(mapping("orders-a", stream, first, settings, firstMeters, "orders"),
                () -> first.succeededCount() == RECORDS);

        // Another mapping, as another service with its own checkpoints would, reads every record again.
        RecordingHandler<byte[]> second = RecordingHandler.succeeding();
        SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
        run(mapping("orders-b", stream, second, settings, secondMeters, "orders"),
                () -> deduplicated(secondMeters) == RECORDS);

        assertThat(deduplicated(firstMeters)).isZero();
        assertThat(second.invocationCount()).isZero();
        RedisCommands<String, String> redis = server.connect();
        assertThat(redis.keys(prefix + "*")).hasSize(RECORDS)
                .allSatisfy(key -> assertThat(key).startsWith(prefix + "orders:"))
                .allSatisfy(key -> assertThat(redis.hget(key, "status")).isEqualTo("COMPLETED"));
    }

    private static InMemoryStream orders() {
        InMemoryStream stream = InMemoryStream.create("orders", 2);
        for (int i = 0; i < RECORDS; i++) {
            stream.put("customer-" + (i % 7), "order-" + i);
        }
        return stream;
    }

    private static EventSourceMapping<byte[]> mapping(String name, InMemoryStream stream,
                                                      RecordingHandler<byte[]> handler,
                                                      RedisIdempotencyStoreSettings settings,
                                                      SimpleMeterRegistry meters, @Nullable String namespace) {
        RedisIdempotencyStore store = new RedisIdempotencyStore(server.connect(), settings, Clock.systemUTC());
        Idempotency<StreamRecord<byte[]>> idempotency = Idempotency.of(store);
        return EventSourceMapping.builder(name, stream, handler)
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).batchSize(10)
                        .build())
                .idempotency(namespace == null ? idempotency : idempotency.withNamespace(namespace))
                .meterRegistry(meters).build();
    }

    private static void run(EventSourceMapping<byte[]> mapping, Callable<Boolean> done)
            throws Exception {
        mapping.start();
        try {
            await().atMost(Duration.ofMinutes(1)).until(done);
        } finally {
            assertThat(mapping.stop(STOP).drainedInTime()).isTrue();
        }
    }

    private static double deduplicated(SimpleMeterRegistry meters) {
        return meters.find(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}

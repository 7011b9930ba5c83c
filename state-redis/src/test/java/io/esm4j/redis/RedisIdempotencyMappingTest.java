package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store behind a mapping: what one mapping completed, another reading the same records never handles again. */
class RedisIdempotencyMappingTest {

    private static final int RECORDS = 40;
    private static final Duration STOP = Duration.ofSeconds(30);

    @RegisterExtension
    static final LocalRedis server = new LocalRedis();

    @Test
    void aSecondMappingOverRecordsTheFirstCompletedHandsNoneToItsHandler() throws Exception {
        InMemoryStream stream = InMemoryStream.create("orders", 2);
        for (int i = 0; i < RECORDS; i++) {
            stream.put("customer-" + (i % 7), "order-" + i);
        }
        String prefix = "mapping-test:" + UUID.randomUUID() + ":";
        RedisIdempotencyStoreSettings settings = RedisIdempotencyStoreSettings.builder().keyPrefix(prefix).build();

        RecordingHandler<byte[]> first = RecordingHandler.succeeding();
        SimpleMeterRegistry firstMeters = new SimpleMeterRegistry();
        run(mapping("orders-a", stream, first, settings, firstMeters), () -> first.succeededCount() == RECORDS);

        // Another mapping, as another service with its own checkpoints would, reads every record again.
        RecordingHandler<byte[]> second = RecordingHandler.succeeding();
        SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
        run(mapping("orders-b", stream, second, settings, secondMeters),
                () -> deduplicated(secondMeters) == RECORDS);

        assertThat(deduplicated(firstMeters)).isZero();
        assertThat(second.invocationCount()).isZero();
        RedisCommands<String, String> redis = server.connect();
        assertThat(redis.keys(prefix + "*")).hasSize(RECORDS)
                .allSatisfy(key -> assertThat(redis.hget(key, "status")).isEqualTo("COMPLETED"));
    }

    private static EventSourceMapping<byte[]> mapping(String name, InMemoryStream stream,
                                                      RecordingHandler<byte[]> handler,
                                                      RedisIdempotencyStoreSettings settings,
                                                      SimpleMeterRegistry meters) {
        RedisIdempotencyStore store = new RedisIdempotencyStore(server.connect(), settings, Clock.systemUTC());
        return EventSourceMapping.builder(name, stream, handler)
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).batchSize(10)
                        .build())
                .idempotency(Idempotency.of(store)).meterRegistry(meters).build();
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

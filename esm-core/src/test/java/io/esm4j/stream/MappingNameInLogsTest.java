package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.idempotency.Claim;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyStoreException;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.logging.LogCapture;
import io.esm4j.stream.polling.CallFailure;
import io.esm4j.stream.polling.IteratorCalls;
import io.esm4j.stream.polling.IteratorReaderSettings;
import io.esm4j.stream.polling.IteratorShardReader;
import io.esm4j.stream.polling.Page;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * With hundreds of mappings in one process, a log line that does not name its mapping cannot be acted on. The parts
 * built before the mapping and not told its name (a source's shard reader, the idempotency store's claims) name it
 * too, with the key the engine's own lines use.
 */
class MappingNameInLogsTest {

    @Test
    void aPollingShardReadersLinesNameTheMapping() throws Exception {
        String name = "throttled-reader";
        InMemoryStream stream = InMemoryStream.create(name, 1);
        IteratorCalls<byte[]> throttled = new IteratorCalls<>() {
            @Override
            public String openIterator(ReadStart start) {
                return "iterator";
            }

            @Override
            public Page<byte[]> getRecords(String iterator, int limit) {
                throw new IllegalStateException("rate exceeded");
            }

            @Override
            public CallFailure classify(Exception failure) {
                return CallFailure.THROTTLED;
            }
        };
        ForwardingStreamSource<byte[]> source = new ForwardingStreamSource<>(stream) {
            @Override
            public ShardReader<byte[]> openReader(String shardId, ReadStart start) throws Exception {
                return IteratorShardReader.open(name, shardId, start, throttled,
                        IteratorReaderSettings.of(1000, 100, Duration.ofMillis(1), Duration.ofMillis(1)));
            }
        };
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("orders-to-billing", source,
                RecordingHandler.<byte[]>succeeding()).settings(Streams.fast().build()).build();
        try (LogCapture log = new LogCapture(IteratorShardReader.class)) {
            mapping.start();
            try {
                await().until(() -> !log.lines("WARN", "call throttled").isEmpty());
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "call throttled"))
                    .allSatisfy(line -> assertThat(line).contains("mapping=orders-to-billing"));
        }
    }

    @Test
    void anIdempotencyStoresClaimLinesNameTheMapping() throws Exception {
        String name = "claims-given-up";
        InMemoryStream stream = InMemoryStream.create(name, 1);
        Streams.fill(stream, 3, 3);
        ForwardingIdempotencyStore store = new ForwardingIdempotencyStore(
                new InMemoryIdempotencyStore(100, Clock.systemUTC())) {
            @Override
            public void complete(String key, @Nullable String payloadHash, Instant ttlExpiry) {
                throw new IdempotencyStoreException("store unreachable", new java.io.IOException("Connection refused"));
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream, handler)
                .settings(Streams.fast().build()).idempotency(Idempotency.of(store)).build();
        try (LogCapture log = new LogCapture(Claim.class)) {
            mapping.start();
            try {
                await().until(() -> !log.lines("WARN", "the idempotency store failed twice in a row").isEmpty());
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "the idempotency store failed twice in a row"))
                    .allSatisfy(line -> assertThat(line).contains("mapping=" + name));
        }
    }
}

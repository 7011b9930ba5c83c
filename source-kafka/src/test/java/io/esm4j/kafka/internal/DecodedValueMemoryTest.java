package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.handler.BatchResult;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.kafka.internal.schema.FakeSchemaRegistry;
import io.esm4j.settings.StartingPosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * In SOURCE event record format a record keeps its value decoded to JSON beside its bytes, for the filter criteria:
 * the shard's memory bound counts it, though the event does not contain it.
 */
class DecodedValueMemoryTest {

    /** Fields with long names: an Avro value of 50 bytes decodes to about 100 KB of JSON. */
    private static final int FIELDS = 50;
    private static final String NAME = "f".repeat(2_000);

    private final TopicPartition partition = new TopicPartition(LoopHarness.TOPIC, 0);
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    private final Map<TopicPartition, PartitionState> owned = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final FakeSchemaRegistry registry = registry();
    private final SchemaDecoding decoding = new SchemaDecoding(KafkaSchemaRegistry.builder(registry.uri())
            .eventRecordFormat(KafkaSchemaRegistry.EventRecordFormat.SOURCE)
            .validate(KafkaSchemaRegistry.Attribute.VALUE).build(), "decoded", () -> { });
    private final StreamContext<KafkaRecord> ctx = LoopHarness.context(KafkaSource.settings()
            .startingPosition(StartingPosition.TRIM_HORIZON).batchSize(1).maxBufferedMegabytesPerShard(6).build(),
            batch -> {
                // The first batch holds the rest back: nothing read is done, so the buffer only fills.
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("test never released the handler");
                }
                return BatchResult.success();
            }, new SimpleMeterRegistry());
    private final Partitions partitions = new Partitions(ctx, consumer,
            new KafkaMetrics(ctx.metrics(), "group", owned), owned, decoding, new AuthResults(ctx.status()));
    private final Intake intake = new Intake("decoded", (state, pipeline, cause) -> { });

    @AfterEach
    void close() throws Exception {
        release.countDown();
        intake.stop();
        decoding.close();
        for (PartitionState state : owned.values()) {
            state.pipeline.close();
            state.pipeline.awaitLanes(Instant.now().plusSeconds(10));
        }
        registry.close();
    }

    @Test
    void decodedValuesCountAgainstTheMemoryBoundThoughTheEventDoesNotCarryThem() throws Exception {
        consumer.assign(List.of(partition));
        PartitionState state = partitions.add(partition);
        intake.start();
        // 70 records of about 100 KB decoded each: 7 MB held, past the 6 MB bound, in events of a few KB together.
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int offset = 0; offset < 70; offset++) {
            records.add(framed(offset));
        }
        intake.hand(state, records, Instant.now());
        await().atMost(Duration.ofSeconds(30)).until(() -> state.notYetOffered.get() == 0);

        // A poll thread pauses the partition: no room for even one more record.
        assertThat(state.pipeline.room()).isZero();
    }

    /** A value framed by Confluent's serializer, naming schema 1: every boolean false, one byte each. */
    private ConsumerRecord<byte[], byte[]> framed(long offset) {
        byte[] value = new byte[5 + FIELDS];
        value[4] = 1;
        return new ConsumerRecord<>(partition.topic(), 0, offset, 0L, TimestampType.CREATE_TIME, 0, value.length,
                null, value, new RecordHeaders(), Optional.empty());
    }

    private static FakeSchemaRegistry registry() {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < FIELDS; i++) {
            fields.append(i == 0 ? "" : ",").append("{\"name\":\"").append(NAME).append(i)
                    .append("\",\"type\":\"boolean\"}");
        }
        try {
            FakeSchemaRegistry registry = new FakeSchemaRegistry("");
            registry.answer(1, FakeSchemaRegistry.schema(null,
                    "{\"type\":\"record\",\"name\":\"Wide\",\"fields\":[" + fields + "]}"));
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

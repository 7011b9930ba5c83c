package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.handler.BatchResult;
import io.esm4j.internal.stream.ShardPipeline;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.StartingPosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Records the intake holds back for a schema, with a registry that accepts calls and never answers. */
class HeldRecordsTest {

    private final TopicPartition partition = new TopicPartition(LoopHarness.TOPIC, 0);
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    private final Map<TopicPartition, PartitionState> owned = new ConcurrentHashMap<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final ServerSocket silentRegistry = silentRegistry();
    private final SchemaDecoding decoding = new SchemaDecoding(KafkaSchemaRegistry.builder(
                    URI.create("http://127.0.0.1:" + silentRegistry.getLocalPort()))
            .eventRecordFormat(KafkaSchemaRegistry.EventRecordFormat.JSON)
            .validate(KafkaSchemaRegistry.Attribute.VALUE).build(), "held", () -> { });
    private final StreamContext<KafkaRecord> ctx = LoopHarness.context(KafkaSource.settings()
            .startingPosition(StartingPosition.TRIM_HORIZON).build(), batch -> BatchResult.success(),
            new SimpleMeterRegistry());
    private final Partitions partitions = new Partitions(ctx, consumer,
            new KafkaMetrics(ctx.metrics(), "group", owned), owned, decoding, new AuthResults(ctx.status()));
    private final Intake intake = new Intake("held", this::failed);

    @AfterEach
    void close() throws Exception {
        intake.stop();
        decoding.close();
        for (PartitionState state : owned.values()) {
            state.pipeline.close();
            state.pipeline.awaitLanes(Instant.now().plusSeconds(10));
        }
        silentRegistry.close();
    }

    @Test
    void aLookupClosedWhileRecordsWaitForItFailsTheirPollInsteadOfHoldingThePartitionForGood() throws Exception {
        consumer.assign(List.of(partition));
        PartitionState state = partitions.add(partition);
        intake.start();
        intake.hand(state, List.of(framed(0)), Instant.now());
        await().atMost(Duration.ofSeconds(30)).until(() -> state.heldFrom == 0);

        // What stop() did while the poll thread still ran.
        decoding.close();

        await().atMost(Duration.ofSeconds(30)).until(() -> !failures.isEmpty());
        assertThat(failures.getFirst()).hasMessageContaining("schema registry of mapping held is closed");
        assertThat(state.pipeline.closed()).isTrue();
        // The intake goes on taking polls: more than its queue holds are handed without waiting for good, and
        // dropped, as they are for the pipeline that closed.
        for (int i = 1; i <= Intake.CAPACITY + 1; i++) {
            intake.hand(state, List.of(framed(i)), Instant.now());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> state.notYetOffered.get() == 0);
        assertThat(state.held).isEmpty();
    }

    @Test
    void recordsHeldForTheirSchemaCountAsUnfinished() throws Exception {
        consumer.assign(List.of(partition));
        PartitionState state = partitions.add(partition);
        intake.start();
        intake.hand(state, List.of(framed(0), framed(1), framed(2)), Instant.now());
        intake.hand(state, List.of(framed(3)), Instant.now());
        await().atMost(Duration.ofSeconds(30)).until(() -> state.heldFrom == 0 && state.held.size() == 2);

        // In neither the intake's queue nor the pipeline, but read and not done: OffsetLag and StopResult count them.
        assertThat(state.unfinished()).isEqualTo(4);
    }

    private void failed(PartitionState state, ShardPipeline<KafkaRecord> pipeline, Throwable cause) {
        failures.add(cause);
    }

    /** A value framed by Confluent's serializer, naming schema 1. */
    private ConsumerRecord<byte[], byte[]> framed(long offset) {
        byte[] value = {0, 0, 0, 0, 1, 2, 4};
        return new ConsumerRecord<>(partition.topic(), 0, offset, 0L, TimestampType.CREATE_TIME, 0, value.length,
                null, value, new RecordHeaders(), Optional.empty());
    }

    /** A registry that takes connections and never answers: a schema lookup stays on its way. */
    private static ServerSocket silentRegistry() {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                List<Socket> open = new CopyOnWriteArrayList<>();
                while (!server.isClosed()) {
                    try {
                        open.add(server.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

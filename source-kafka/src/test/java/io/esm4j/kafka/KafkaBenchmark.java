package io.esm4j.kafka;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Side by side on one embedded broker, in one JVM (not a test: figures, no assertions; bench/README keeps them):
 * <ol>
 *   <li>no-op handler: esm4j (BatchSize 500, window 0, ParallelizationFactor 1) against a raw KafkaConsumer
 *       loop that polls and commits asynchronously once a second, each draining the same backlog from a fresh
 *       group, alternating;</li>
 *   <li>a 5 ms handler per record, 100 keys, 10,000 records: esm4j (ParallelizationFactor 10 on 6 partitions, so
 *       at most 60 records at once) against parallel-consumer 0.5.3.3 in KEY order with maxConcurrency 60.</li>
 * </ol>
 * Arguments (optional): no-op records (default 200,000), rounds (default 3).
 *
 * <pre>./mvnw -q -pl source-kafka -am test-compile exec:java -Dexec.skip=true
 *     -Dexec.mainClass=io.esm4j.kafka.KafkaBenchmark</pre>
 */
public final class KafkaBenchmark {

    private static final int PARTITIONS = 6;
    private static final Duration WAIT = Duration.ofMinutes(5);
    /** The raw loop commits as often as esm4j does by default (CheckpointInterval). */
    private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);

    private final KafkaBroker broker;

    private KafkaBenchmark(KafkaBroker broker) {
        this.broker = broker;
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (KafkaBroker broker = KafkaBroker.start()) {
            KafkaBenchmark bench = new KafkaBenchmark(broker);
            String noop = bench.fill("bench-noop", records, 1000);
            for (int round = 1; round <= rounds; round++) {
                double raw = bench.rawConsumer(noop, records);
                double esm = bench.esm4jNoop(noop, records);
                System.out.printf("no-op round %d: raw consumer %,.0f rec/s, esm4j %,.0f rec/s, ratio %.2f%n",
                        round, records / raw, records / esm, raw / esm);
            }
            String keyed = bench.fill("bench-keys", 10_000, 100);
            for (int round = 1; round <= rounds; round++) {
                double pc = bench.parallelConsumer(keyed, 10_000);
                double esm = bench.esm4jSlow(keyed, 10_000);
                System.out.printf("5 ms handler round %d: parallel-consumer %.2f s, esm4j %.2f s, ratio %.2f%n",
                        round, pc, esm, pc / esm);
            }
        }
        // parallel-consumer 0.5.3.3 leaves non-daemon threads behind after close(), which keep exec:java waiting.
        System.exit(0);
    }

    /** A topic with {@code count} records of about 25 bytes over {@code keys} keys, spread by the key's hash. */
    private String fill(String prefix, int count, int keys) throws Exception {
        String topic = broker.topic(prefix, PARTITIONS);
        List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(new ProducerRecord<>(topic, KafkaBroker.bytes("key-" + i % keys),
                    KafkaBroker.bytes("value-" + i + "-padding")));
            if (batch.size() == 10_000) {
                broker.sendAll(batch);
                batch.clear();
            }
        }
        broker.sendAll(batch);
        return topic;
    }

    /** Seconds to drain the topic with a plain consumer loop: poll, count, commitAsync once a second. */
    private double rawConsumer(String topic, int count) {
        long start = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "raw-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long seen = 0;
            long nextCommit = System.nanoTime() + COMMIT_INTERVAL.toNanos();
            while (seen < count) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(100));
                seen += polled.count();
                if (System.nanoTime() - nextCommit >= 0) {
                    consumer.commitAsync();
                    nextCommit = System.nanoTime() + COMMIT_INTERVAL.toNanos();
                }
            }
            consumer.commitSync();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** Seconds from start() until a no-op handler has seen every record. */
    private double esm4jNoop(String topic, int count) throws Exception {
        AtomicLong seen = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        KafkaSource source = KafkaSource.builder().bootstrapServers(broker.bootstrapServers).topics(topic).build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("noop", source, batch -> {
                    if (seen.addAndGet(batch.size()) >= count) {
                        done.countDown();
                    }
                    return BatchResult.success();
                })
                .settings(KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON).batchSize(500)
                        .maximumBatchingWindow(Duration.ZERO).build())
                .build();
        long start = System.nanoTime();
        mapping.start();
        try {
            if (!done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("esm4j saw " + seen.get() + " of " + count);
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /** Seconds for 5 ms per record in key order, at most 60 at once. */
    private double esm4jSlow(String topic, int count) throws Exception {
        AtomicLong seen = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        KafkaSource source = KafkaSource.builder().bootstrapServers(broker.bootstrapServers).topics(topic).build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("slow", source, batch -> {
                    for (int i = 0; i < batch.size(); i++) {
                        Thread.sleep(5);
                    }
                    if (seen.addAndGet(batch.size()) >= count) {
                        done.countDown();
                    }
                    return BatchResult.success();
                })
                .settings(KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                        .parallelizationFactor(10).maximumBatchingWindow(Duration.ZERO).build())
                .build();
        long start = System.nanoTime();
        mapping.start();
        try {
            if (!done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("esm4j saw " + seen.get() + " of " + count);
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /** Seconds for parallel-consumer in KEY order with maxConcurrency 60, 5 ms per record. */
    private double parallelConsumer(String topic, int count) throws Exception {
        AtomicLong seen = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "pc-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        ParallelStreamProcessor<byte[], byte[]> pc = ParallelStreamProcessor.createEosStreamProcessor(
                ParallelConsumerOptions.<byte[], byte[]>builder().consumer(consumer)
                        .ordering(ParallelConsumerOptions.ProcessingOrder.KEY).maxConcurrency(60).build());
        long start = System.nanoTime();
        pc.subscribe(List.of(topic));
        try {
            pc.poll(context -> {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (seen.addAndGet(context.size()) >= count) {
                    done.countDown();
                }
            });
            if (!done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("parallel-consumer saw " + seen.get() + " of " + count);
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            pc.close();
        }
    }
}

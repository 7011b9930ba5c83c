package io.esm4j.kafka;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
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
 *   <li>a 5 ms handler per record, 100 keys, 10,000 records: esm4j (free-key lanes, ParallelizationFactor 10 and
 *       MaximumConcurrency 60: at most 60 batches at once across the 6 partitions, as many in one partition as its
 *       keys allow) against parallel-consumer 0.5.3.3 in KEY order with maxConcurrency 60.</li>
 * </ol>
 * Each round runs both sides of a comparison, the side that goes first alternating from round to round; the summary
 * gives the medians over the rounds (of each side's figure and of the per-round ratio), since single rounds on a
 * shared machine swing widely. The load average is printed before and after.
 * Arguments (optional): no-op records (default 200,000), rounds (default 5), esm4j's BatchSize in the keyed
 * comparison (default 100, Lambda's for Kafka), esm4j's MaximumConcurrency in it (default 60; -1 for none, which
 * leaves ParallelizationFactor 10 per partition).
 *
 * <pre>./mvnw -q -pl source-kafka -am test-compile exec:java -Dexec.skip=true
 *     -Dexec.mainClass=io.esm4j.kafka.KafkaBenchmark</pre>
 *
 * <p>Each no-op round also prints each side's process CPU time per record (the broker is in the same JVM and serves
 * both sides alike; CPU time moves much less with the machine's load than wall clock) and its time to the first
 * record. {@code -Desm4j.bench.noopOnly=true} skips the keyed comparison; {@code -Desm4j.bench.maxPollRecords=N}
 * sets esm4j's max.poll.records in the no-op comparison; {@code -Desm4j.bench.only=esm4j} (or {@code raw}) runs one side
 * of it alone, for a profiler; {@code -Desm4j.bench.threadCpu=true} prints each side's CPU time a record by thread
 * group; {@code -Desm4j.bench.warmup=N} (default 1) runs N no-op rounds first that the medians leave out (their
 * ratios print, and a median with them counted too).
 */
public final class KafkaBenchmark {

    private static final int PARTITIONS = 6;
    private static final Duration WAIT = Duration.ofMinutes(5);
    /** The raw loop commits as often as esm4j does by default (CheckpointInterval). */
    private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
    private static final boolean NOOP_ONLY = Boolean.getBoolean("esm4j.bench.noopOnly");
    /** esm4j's max.poll.records in the no-op comparison, if set; the engine's default otherwise. */
    private static final String MAX_POLL_RECORDS = System.getProperty("esm4j.bench.maxPollRecords");
    /** Only this side of the no-op comparison ("raw" or "esm4j"), for profiling one side; both if unset. */
    private static final String ONLY = System.getProperty("esm4j.bench.only", "");
    /** Prints each no-op side's CPU time a record by thread group (poll thread, lanes, broker, VM). */
    private static final boolean THREAD_CPU = Boolean.getBoolean("esm4j.bench.threadCpu");
    /** No-op rounds run first and left out of the medians (JIT warm-up), as the bench module's main classes do. */
    private static final int WARMUP = Integer.getInteger("esm4j.bench.warmup", 1);

    private final KafkaBroker broker;

    private KafkaBenchmark(KafkaBroker broker) {
        this.broker = broker;
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int keyedBatchSize = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int keyedConcurrency = args.length > 3 ? Integer.parseInt(args[3]) : 60;
        printLoad("before");
        try (KafkaBroker broker = KafkaBroker.start()) {
            KafkaBenchmark bench = new KafkaBenchmark(broker);
            String noop = bench.fill("bench-noop", records, 1000);
            Rounds noopRounds = new Rounds();
            Rounds noopCpu = new Rounds();
            Rounds noopFirst = new Rounds();
            Rounds withWarmup = new Rounds();
            for (int round = 1 - WARMUP; round <= rounds; round++) {
                List<Run> runs = inTurn(round,
                        () -> ONLY.equals("esm4j") ? Run.SKIPPED : bench.rawConsumer(noop, records),
                        () -> ONLY.equals("raw") ? Run.SKIPPED : bench.esm4jNoop(noop, records));
                Run raw = runs.get(0);
                Run esm4j = runs.get(1);
                withWarmup.add(records / raw.seconds(), records / esm4j.seconds());
                if (round >= 1) {
                    noopRounds.add(records / raw.seconds(), records / esm4j.seconds());
                    noopCpu.add(raw.cpuNanosPer(records), esm4j.cpuNanosPer(records));
                    noopFirst.add(raw.firstRecordSeconds() * 1000, esm4j.firstRecordSeconds() * 1000);
                }
                System.out.printf("no-op %s %d: raw consumer %,.0f rec/s, esm4j %,.0f rec/s, ratio %.2f; "
                                + "CPU %.0f vs %.0f ns/record; first record after %.0f vs %.0f ms%n",
                        round >= 1 ? "round" : "warm-up round", round >= 1 ? round : round + WARMUP,
                        records / raw.seconds(), records / esm4j.seconds(), raw.seconds() / esm4j.seconds(),
                        raw.cpuNanosPer(records), esm4j.cpuNanosPer(records), raw.firstRecordSeconds() * 1000,
                        esm4j.firstRecordSeconds() * 1000);
            }
            String keyed = bench.fill("bench-keys", 10_000, 100);
            Rounds slowRounds = new Rounds();
            for (int round = 1; !NOOP_ONLY && round <= rounds; round++) {
                double[] seconds = alternate(round, () -> bench.parallelConsumer(keyed, 10_000),
                        () -> bench.esm4jSlow(keyed, 10_000, keyedBatchSize, keyedConcurrency));
                slowRounds.add(1 / seconds[0], 1 / seconds[1]);
                System.out.printf("5 ms handler round %d: parallel-consumer %.2f s, esm4j %.2f s, ratio %.2f%n",
                        round, seconds[0], seconds[1], seconds[0] / seconds[1]);
            }
            System.out.printf("no-op medians over %d rounds: raw consumer %,.0f rec/s, esm4j %,.0f rec/s, "
                    + "ratio %.2f (per-round ratios %s)%n", rounds, noopRounds.medianBase(),
                    noopRounds.medianEsm4j(), noopRounds.medianRatio(), noopRounds.ratios());
            System.out.printf("no-op median ratio with the %d warm-up round(s) counted too: %.2f%n", WARMUP,
                    withWarmup.medianRatio());
            System.out.printf("no-op CPU medians (process CPU time, the in-JVM broker included, per record): "
                    + "raw consumer %.0f ns, esm4j %.0f ns; first record after (medians) %.0f ms vs %.0f ms%n",
                    noopCpu.medianBase(), noopCpu.medianEsm4j(), noopFirst.medianBase(), noopFirst.medianEsm4j());
            if (!NOOP_ONLY) {
                System.out.printf("5 ms handler medians over %d rounds: parallel-consumer %.2f s, esm4j %.2f s, "
                        + "ratio %.2f (per-round ratios %s)%n", rounds, 1 / slowRounds.medianBase(),
                        1 / slowRounds.medianEsm4j(), slowRounds.medianRatio(), slowRounds.ratios());
            }
        }
        printLoad("after");
        // parallel-consumer 0.5.3.3 leaves non-daemon threads behind after close(), which keep exec:java waiting.
        System.exit(0);
    }

    /** One side of a round, in seconds. */
    @FunctionalInterface
    private interface Side {
        double run() throws Exception;
    }

    /** {@link #inTurn} for sides that give seconds; returns {baseline, esm4j}. */
    private static double[] alternate(int round, Side baseline, Side esm4j) throws Exception {
        List<Double> seconds = inTurn(round, baseline::run, esm4j::run);
        return new double[] {seconds.get(0), seconds.get(1)};
    }

    /** Runs both sides, the baseline first in odd rounds and esm4j first in even ones; returns [baseline, esm4j]. */
    private static <R> List<R> inTurn(int round, Callable<R> baseline, Callable<R> esm4j) throws Exception {
        if (round % 2 == 1) {
            R first = baseline.call();
            return List.of(first, esm4j.call());
        }
        R first = esm4j.call();
        return List.of(baseline.call(), first);
    }

    /**
     * One side of a no-op round: seconds to the last record, the process CPU time spent meanwhile (both sides share
     * the in-JVM broker, so its share is alike), and seconds to the first record (consumer start and group join).
     */
    private record Run(double seconds, long cpuNanos, double firstRecordSeconds) {
        /** The side not run with -Desm4j.bench.only: its figures and ratios print as NaN, not as made-up numbers. */
        static final Run SKIPPED = new Run(Double.NaN, 0, Double.NaN);

        double cpuNanosPer(int records) {
            return Double.isNaN(seconds) ? Double.NaN : (double) cpuNanos / records;
        }
    }

    private static void printThreadCpu(String side, ThreadCpu threadCpu, int records) {
        if (THREAD_CPU) {
            StringBuilder line = new StringBuilder("  CPU ns a record, " + side + ":");
            threadCpu.perRecord(records).forEach((group, nanos) -> line.append(String.format(" %s %.0f;", group, nanos)));
            System.out.println(line);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** A figure of each round (a throughput: higher is better), the baseline's and esm4j's, and their medians. */
    private static final class Rounds {
        private final List<Double> base = new ArrayList<>();
        private final List<Double> esm4j = new ArrayList<>();

        void add(double baseThroughput, double esm4jThroughput) {
            base.add(baseThroughput);
            esm4j.add(esm4jThroughput);
        }

        double medianBase() {
            return median(base);
        }

        double medianEsm4j() {
            return median(esm4j);
        }

        /** esm4j's throughput over the baseline's: above 1 is esm4j faster. */
        double medianRatio() {
            return median(ratioList());
        }

        String ratios() {
            return ratioList().stream().map(r -> String.format("%.2f", r)).toList().toString();
        }

        private List<Double> ratioList() {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < base.size(); i++) {
                ratios.add(esm4j.get(i) / base.get(i));
            }
            return ratios;
        }

        private static double median(List<Double> values) {
            List<Double> sorted = values.stream().sorted().toList();
            int middle = sorted.size() / 2;
            return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
        }
    }

    private static void printLoad(String when) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        System.out.printf("load average %s: %.2f on %d cores%n", when, os.getSystemLoadAverage(),
                os.getAvailableProcessors());
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

    /**
     * Until a plain consumer loop (poll, count, commitAsync once a second) has seen every record: like
     * esm4j's figure, from creating the consumer to the last record, without the final commit and close.
     */
    private Run rawConsumer(String topic, int count) {
        ThreadCpu threadCpu = ThreadCpu.start();
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        double seconds;
        long cpu;
        long firstRecord = 0;
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
                if (seen == 0 && !polled.isEmpty()) {
                    firstRecord = System.nanoTime();
                }
                seen += polled.count();
                if (System.nanoTime() - nextCommit >= 0) {
                    consumer.commitAsync();
                    nextCommit = System.nanoTime() + COMMIT_INTERVAL.toNanos();
                }
            }
            seconds = (System.nanoTime() - start) / 1e9;
            cpu = processCpuNanos() - cpuStart;
            printThreadCpu("raw consumer", threadCpu, count);
            consumer.commitSync();
        }
        return new Run(seconds, cpu, (firstRecord - start) / 1e9);
    }

    /** From start() until a no-op handler has seen every record. */
    private Run esm4jNoop(String topic, int count) throws Exception {
        AtomicLong seen = new AtomicLong();
        AtomicLong firstRecord = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        KafkaSource.Builder builder = KafkaSource.builder().bootstrapServers(broker.bootstrapServers).topics(topic);
        if (MAX_POLL_RECORDS != null) {
            builder.consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
        }
        KafkaSource source = builder.build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("noop", source, batch -> {
                    firstRecord.compareAndSet(0, System.nanoTime());
                    if (seen.addAndGet(batch.size()) >= count) {
                        done.countDown();
                    }
                    return BatchResult.success();
                })
                .settings(KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON).batchSize(500)
                        .maximumBatchingWindow(Duration.ZERO).build())
                .build();
        ThreadCpu threadCpu = ThreadCpu.start();
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        mapping.start();
        try {
            if (!done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("esm4j saw " + seen.get() + " of " + count);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpu = processCpuNanos() - cpuStart;
            printThreadCpu("esm4j", threadCpu, count);
            return new Run(seconds, cpu, (firstRecord.get() - start) / 1e9);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /** Seconds for 5 ms per record in key order, at most 60 at once. */
    private double esm4jSlow(String topic, int count, int keyedBatchSize, int maximumConcurrency) throws Exception {
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
                        .parallelizationFactor(10).maximumConcurrency(maximumConcurrency).batchSize(keyedBatchSize)
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

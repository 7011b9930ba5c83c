package io.esm4j.sqs;

import com.sun.management.OperatingSystemMXBean;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Messages per second through a {@link QueueEventSourceMapping} on ElasticMQ against a raw receive(10) /
 * DeleteMessageBatch loop with the same client, the same requests and the same number of concurrent pollers; the
 * handler does nothing, so the ratio is the engine's overhead. Not a test: run it as source-sqs/README.md says.
 *
 * <p>System properties: {@code messages} per run (default 20000), {@code concurrency} (comma-separated, default
 * 5,10), {@code rounds} (default 5; medians are reported).
 */
public final class SqsThroughputComparison {

    private static final Duration LONG_POLL = Duration.ofSeconds(20);

    private final SqsClient sqs;

    private SqsThroughputComparison(SqsClient sqs) {
        this.sqs = sqs;
    }

    public static void main(String[] args) throws Exception {
        int messages = Integer.getInteger("messages", 20_000);
        int rounds = Integer.getInteger("rounds", 5);
        List<Integer> concurrencies = new ArrayList<>();
        for (String value : System.getProperty("concurrency", "5,10").split(",")) {
            concurrencies.add(Integer.parseInt(value.trim()));
        }
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        try (SqsClient sqs = SqsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.waitUntilStarted().localAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            SqsThroughputComparison comparison = new SqsThroughputComparison(sqs);
            comparison.raw(messages / 4, concurrencies.getFirst()); // warm-up: JIT, connections
            comparison.mapping(messages / 4, concurrencies.getFirst());
            System.out.printf(Locale.ROOT, "%-12s %10s %14s %6s %14s %18s %6s%n", "concurrency", "raw msg/s",
                    "mapping msg/s", "ratio", "raw CPU us/msg", "mapping CPU us/msg", "ratio");
            for (int concurrency : concurrencies) {
                List<Run> raw = new ArrayList<>();
                List<Run> mapped = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    // Alternating which side goes first keeps warm-up and GC left-overs from favouring one.
                    if (round % 2 == 0) {
                        raw.add(comparison.raw(messages, concurrency));
                        mapped.add(comparison.mapping(messages, concurrency));
                    } else {
                        mapped.add(comparison.mapping(messages, concurrency));
                        raw.add(comparison.raw(messages, concurrency));
                    }
                }
                // Ratios are medians of each round's ratio: the two runs of a round are back to back, so a change in
                // the machine's load between rounds cancels out. The CPU ratio (raw cost / mapping cost, client and
                // server together) is what the throughput ratio becomes when the CPU is the limit, and it is far
                // less disturbed by other processes than wall-clock rates.
                List<Double> rateRatios = new ArrayList<>();
                List<Double> cpuRatios = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    rateRatios.add(mapped.get(round).messagesPerSecond() / raw.get(round).messagesPerSecond());
                    cpuRatios.add(raw.get(round).cpuMicrosPerMessage() / mapped.get(round).cpuMicrosPerMessage());
                }
                System.out.printf(Locale.ROOT, "%-12d %10.0f %14.0f %6.2f %14.1f %18.1f %6.2f%n", concurrency,
                        median(raw.stream().map(Run::messagesPerSecond).toList()),
                        median(mapped.stream().map(Run::messagesPerSecond).toList()), median(rateRatios),
                        median(raw.stream().map(Run::cpuMicrosPerMessage).toList()),
                        median(mapped.stream().map(Run::cpuMicrosPerMessage).toList()), median(cpuRatios));
                System.out.printf(Locale.ROOT, "             raw msg/s %s, mapping msg/s %s%n",
                        rounded(raw.stream().map(Run::messagesPerSecond).toList()),
                        rounded(mapped.stream().map(Run::messagesPerSecond).toList()));
            }
        } finally {
            server.stopAndWait();
        }
    }

    /** One measured run: its rate, and the process CPU time (client and server) it spent per message. */
    private record Run(double messagesPerSecond, double cpuMicrosPerMessage) {

        static Run since(long startedNanos, long startedCpuNanos, int messages) {
            double seconds = (System.nanoTime() - startedNanos) / 1e9;
            double cpuMicros = (processCpuNanos() - startedCpuNanos) / 1e3;
            return new Run(messages / seconds, cpuMicros / messages);
        }
    }

    /** The baseline: pollers that receive 10 and delete them in one batch call, nothing else. */
    private Run raw(int messages, int concurrency) throws InterruptedException {
        String url = filledQueue(messages);
        AtomicInteger deleted = new AtomicInteger();
        long started = System.nanoTime();
        long startedCpu = processCpuNanos();
        List<Thread> pollers = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            pollers.add(Thread.ofVirtual().start(() -> {
                while (deleted.get() < messages && !Thread.currentThread().isInterrupted()) {
                    try {
                        List<Message> received = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                                .waitTimeSeconds((int) LONG_POLL.toSeconds())
                                .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
                                .messageAttributeNames("All")).messages();
                        if (received.isEmpty()) {
                            continue;
                        }
                        List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
                        for (int j = 0; j < received.size(); j++) {
                            entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(j))
                                    .receiptHandle(received.get(j).receiptHandle()).build());
                        }
                        sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(entries));
                        deleted.addAndGet(received.size());
                    } catch (RuntimeException e) {
                        return; // interrupted at the end of the run
                    }
                }
            }));
        }
        while (deleted.get() < messages) {
            Thread.sleep(1);
        }
        Run run = Run.since(started, startedCpu, messages);
        pollers.forEach(Thread::interrupt);
        for (Thread poller : pollers) {
            poller.join();
        }
        return run;
    }

    /** The same work through a mapping: MaximumConcurrency pollers, BatchSize 10, no window, a no-op handler. */
    private Run mapping(int messages, int concurrency) throws InterruptedException {
        String url = filledQueue(messages);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        QueueEventSourceMapping<SqsMessage> mapping = QueueEventSourceMapping.builder("throughput",
                        SqsQueueSource.of(sqs, url), batch -> BatchResult.success())
                .settings(QueueSettings.builder().batchSize(10).maximumConcurrency(concurrency)
                        .receiveWaitTime(LONG_POLL).build())
                .meterRegistry(registry)
                .build();
        Counter deleted = registry.get(MetricNames.DELETED_EVENT_COUNT).counter();
        long started = System.nanoTime();
        long startedCpu = processCpuNanos();
        mapping.start();
        while (deleted.count() < messages) {
            Thread.sleep(1);
        }
        Run run = Run.since(started, startedCpu, messages);
        mapping.stop(Duration.ofSeconds(30));
        return run;
    }

    private String filledQueue(int messages) throws InterruptedException {
        String url = sqs.createQueue(r -> r.queueName("throughput-" + UUID.randomUUID().toString().substring(0, 8)))
                .queueUrl();
        AtomicInteger nextBatch = new AtomicInteger();
        int batches = (messages + 9) / 10;
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            senders.add(Thread.ofVirtual().start(() -> {
                for (int batch = nextBatch.getAndIncrement(); batch < batches; batch = nextBatch.getAndIncrement()) {
                    int first = batch * 10;
                    List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                    for (int j = first; j < Math.min(messages, first + 10); j++) {
                        entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(j - first))
                                .messageBody("{\"order\":" + j + ",\"note\":\"a message of typical size\"}").build());
                    }
                    sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries));
                }
            }));
        }
        for (Thread sender : senders) {
            sender.join();
        }
        return url;
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static List<Long> rounded(List<Double> values) {
        return values.stream().map(Math::round).toList();
    }
}

package io.esm4j.sqs;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
            System.out.printf(Locale.ROOT, "%-12s %12s %14s %8s%n", "concurrency", "raw msg/s", "mapping msg/s",
                    "ratio");
            for (int concurrency : concurrencies) {
                List<Double> raw = new ArrayList<>();
                List<Double> mapped = new ArrayList<>();
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
                // The ratio is the median of each round's ratio: the two runs of a round are back to back, so a
                // change in the machine's load between rounds cancels out.
                List<Double> ratios = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    ratios.add(mapped.get(round) / raw.get(round));
                }
                System.out.printf(Locale.ROOT, "%-12d %12.0f %14.0f %8.2f   (raw %s, mapping %s)%n", concurrency,
                        median(raw), median(mapped), median(ratios), rounded(raw), rounded(mapped));
            }
        } finally {
            server.stopAndWait();
        }
    }

    /** The baseline: pollers that receive 10 and delete them in one batch call, nothing else. */
    private double raw(int messages, int concurrency) throws InterruptedException {
        String url = filledQueue(messages);
        AtomicInteger deleted = new AtomicInteger();
        long started = System.nanoTime();
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
        double rate = messages / seconds(started);
        pollers.forEach(Thread::interrupt);
        for (Thread poller : pollers) {
            poller.join();
        }
        return rate;
    }

    /** The same work through a mapping: MaximumConcurrency pollers, BatchSize 10, no window, a no-op handler. */
    private double mapping(int messages, int concurrency) throws InterruptedException {
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
        mapping.start();
        while (deleted.count() < messages) {
            Thread.sleep(1);
        }
        double rate = messages / seconds(started);
        mapping.stop(Duration.ofSeconds(30));
        return rate;
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

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static List<Long> rounded(List<Double> values) {
        return values.stream().map(Math::round).toList();
    }
}

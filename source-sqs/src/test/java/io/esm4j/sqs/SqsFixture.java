package io.esm4j.sqs;

import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.queue.QueueMessage;
import io.esm4j.queue.QueueSource;
import io.esm4j.settings.QueueSettings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * A real SQS server for one test class: a subclass starts it once (ElasticMQ in-process, LocalStack in a container)
 * and hands over its endpoint; this class makes clients and mappings for the tests and stops them after each test,
 * and stops the server after the class, also when a test failed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SqsFixture {

    protected SqsClient sqs;
    protected Queues queues;
    private final List<QueueEventSourceMapping<?>> mappings = new CopyOnWriteArrayList<>();
    private final List<SqsClient> extraClients = new CopyOnWriteArrayList<>();
    private URI endpoint;

    /** Starts the server (if the subclass owns it) and returns its endpoint. */
    protected abstract URI startServer() throws Exception;

    protected abstract void stopServer() throws Exception;

    protected Region region() {
        return Region.US_EAST_1;
    }

    protected AwsBasicCredentials credentials() {
        return AwsBasicCredentials.create("x", "x");
    }

    @BeforeAll
    final void connect() throws Exception {
        endpoint = startServer();
        sqs = client();
        queues = new Queues(sqs);
    }

    @AfterAll
    final void disconnect() throws Exception {
        try {
            if (sqs != null) {
                sqs.close();
            }
        } finally {
            stopServer();
        }
    }

    @AfterEach
    final void stopMappings() throws InterruptedException {
        for (QueueEventSourceMapping<?> mapping : mappings) {
            mapping.stop(Duration.ofSeconds(30));
        }
        mappings.clear();
        extraClients.forEach(SqsClient::close);
        extraClients.clear();
    }

    protected List<QueueMessage<SqsMessage>> receiveAll(SqsQueueSource source, int count) throws Exception {
        List<QueueMessage<SqsMessage>> received = new ArrayList<>();
        eventually().until(() -> {
            received.addAll(source.receive(10, Duration.ofSeconds(1)));
            return received.size() >= count;
        });
        return received;
    }

    /**
     * Two pollers, fast retries, and 1 s long polls (the shortest long poll SQS has): stop(), which every test ends
     * with, lets the long polls in progress end, and ElasticMQ's shutdown waits for open ones too.
     */
    protected static QueueSettings.Builder settings() {
        return QueueSettings.builder().maximumConcurrency(2).receiveWaitTime(Duration.ofSeconds(1))
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
    }

    protected QueueEventSourceMapping<SqsMessage> start(String url, QueueSettings.Builder settings,
                                                      BatchHandler<QueueMessage<SqsMessage>> handler) {
        return start(SqsQueueSource.of(sqs, url), settings, handler);
    }

    protected QueueEventSourceMapping<SqsMessage> start(QueueSource<SqsMessage> source,
                                                      QueueSettings.Builder settings,
                                                      BatchHandler<QueueMessage<SqsMessage>> handler) {
        return started(QueueEventSourceMapping.builder("sqs-" + shortId(), source, handler)
                .settings(settings.build()).build());
    }

    protected QueueEventSourceMapping<SqsMessage> started(QueueEventSourceMapping<SqsMessage> mapping) {
        mappings.add(mapping);
        mapping.start();
        return mapping;
    }

    /** Closes a client made by the test after the test, when its mappings have stopped. */
    protected void closeAfterTest(SqsClient client) {
        extraClients.add(client);
    }

    /** A client of its own for a mapping under test, closed after the test. */
    protected SqsClient extraClient(ExecutionInterceptor... interceptors) {
        SqsClient client = client(interceptors);
        extraClients.add(client);
        return client;
    }

    private SqsClient client(ExecutionInterceptor... interceptors) {
        return SqsClient.builder().endpointOverride(endpoint).region(region())
                .credentialsProvider(StaticCredentialsProvider.create(credentials()))
                .overrideConfiguration(c -> List.of(interceptors).forEach(c::addExecutionInterceptor))
                .build();
    }

    protected static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50));
    }

    protected static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}

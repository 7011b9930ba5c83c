package io.esm4j.modulepath.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.modulepath.worker.handlers.MemoryHandler;
import io.esm4j.modulepath.worker.handlers.OrderHandler;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.Await;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingDestination;
import io.esm4j.worker.Worker;
import io.esm4j.worker.WorkerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The worker embedded in a user's module on the module path: a mappings file naming a Java handler of this module
 * (made by reflection from the worker's module), an SQS queue in ElasticMQ on loopback, a source plugged in through
 * the ServiceLoader whose handler's response object Jackson writes, and the worker's API, metrics and status page.
 */
class WorkerOnModulePathTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));

    @TempDir
    static Path directory;

    private static SQSRestServer elasticMq;
    private static SqsClient sqs;
    private static Worker worker;
    private static String queueArn;

    @BeforeAll
    static void start() throws IOException {
        elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        URI endpoint = URI.create("http://127.0.0.1:" + elasticMq.waitUntilStarted().localAddress().getPort());
        sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .build();
        String url = sqs.createQueue(r -> r.queueName("orders")
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "1"))).queueUrl();
        queueArn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        for (String body : List.of("order-1", "fail", "order-2")) {
            sqs.sendMessage(r -> r.queueUrl(url).messageBody(body));
        }
        InMemoryStream clicks = InMemoryStream.create("clicks", 1);
        for (String data : List.of("click-1", "poison", "click-2")) {
            clicks.put("user", data);
        }
        MemorySourceFactory.STREAMS.put("clicks", clicks);

        Path config = directory.resolve("mappings.yaml");
        Files.writeString(config, """
                Endpoints:
                  sqs: %s
                Functions:
                  orders-fn: {Handler: %s}
                  clicks-fn: {Handler: %s}
                EventSourceMappings:
                  - {EventSourceArn: "%s", FunctionName: orders-fn, FunctionResponseTypes: [ReportBatchItemFailures]}
                  - {EventSourceArn: "arn:aws:memory:us-east-1:000000000000:stream/clicks", FunctionName: clicks-fn}
                """.formatted(endpoint, OrderHandler.class.getName(), MemoryHandler.class.getName(), queueArn));
        worker = Worker.start(WorkerOptions.defaults().withConfigFile(config).withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, CREDENTIALS)
                // The message "fail" comes back every second and ends the mapping's long poll, so stop soon.
                .withDrainTimeout(Duration.ofSeconds(5)));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        try {
            if (worker != null) {
                worker.close();
            }
        } finally {
            if (sqs != null) {
                sqs.close();
            }
            if (elasticMq != null) {
                elasticMq.stopAndWait();
            }
        }
    }

    @Test
    void theWorkerAndTheHandlersRunInNamedModules() {
        assertThat(Worker.class.getModule().getName()).isEqualTo("io.esm4j.worker");
        assertThat(OrderHandler.class.getModule().getName()).isEqualTo("io.esm4j.modulepath.worker");
        // With the optional jar resolved, the modules that require it statically read it: the adapters and core's
        // tumbling-window events (io.esm4j.internal.lambda) link to its classes.
        Module events = ModuleLayer.boot().findModule("aws.lambda.java.events").orElseThrow();
        for (String reader : List.of("io.esm4j.core", "io.esm4j.sqs", "io.esm4j.kinesis", "io.esm4j.dynamodbstreams",
                "io.esm4j.kafka")) {
            assertThat(ModuleLayer.boot().findModule(reader).orElseThrow().canRead(events)).as(reader).isTrue();
        }
    }

    /**
     * test-support brings slf4j-simple along, as an application may bring a back end of its own: SLF4J's
     * {@code slf4j.provider} property (set in the pom) names the worker's, which SLF4J then makes by reflection.
     */
    @Test
    void slf4jUsesTheBackEndTheProviderPropertyNames() {
        assertThat(System.getProperty("slf4j.provider")).isEqualTo("io.esm4j.worker.logging.JsonLoggingProvider");
        assertThat(LoggerFactory.getILoggerFactory().getClass().getModule().getName()).isEqualTo("io.esm4j.worker");
    }

    @Test
    void anSqsMappingInvokesTheModulesJavaHandler() throws InterruptedException {
        Await.until("the handler got the three messages",
                () -> OrderHandler.RECEIVED.containsAll(List.of("order-1", "fail", "order-2")), TIMEOUT);
    }

    @Test
    void aPluggedInSourceReadsTheHandlersResponseObjectAndGivesUpThePoisonRecord() throws InterruptedException {
        Await.until("the clicks mapping gave up a record", () -> given("clicks").received().size() == 1, TIMEOUT);

        assertThat(MemoryHandler.RECEIVED).contains("click-1", "poison", "click-2");
        // As in Lambda, the batch is retried from the item reported failed, and given up from there to its end.
        assertThat(given("clicks").records()).extracting(record -> new String((byte[]) ((StreamRecord<?>) record)
                .payload(), StandardCharsets.UTF_8)).startsWith("poison").doesNotContain("click-1");
    }

    @Test
    void theApiMetricsAndStatusPageAnswer() throws IOException {
        JsonNode mappings = new ObjectMapper().readTree(get("/2015-03-31/event-source-mappings/"))
                .path("EventSourceMappings");
        assertThat(mappings.findValuesAsText("EventSourceArn"))
                .containsExactlyInAnyOrder(queueArn, "arn:aws:memory:us-east-1:000000000000:stream/clicks");
        assertThat(get("/metrics")).contains("WorkerFailoverTime");
        assertThat(get("/status")).contains("esm4j worker");
    }

    private static RecordingDestination given(String stream) {
        return MemorySourceFactory.GIVEN_UP.getOrDefault(stream, new RecordingDestination());
    }

    private static String get(String path) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) worker.url().resolve(path).toURL().openConnection();
        try (InputStream body = connection.getInputStream()) {
            assertThat(connection.getResponseCode()).as(path).isEqualTo(200);
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            connection.disconnect();
        }
    }
}

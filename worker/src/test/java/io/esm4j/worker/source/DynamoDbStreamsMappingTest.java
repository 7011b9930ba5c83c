package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.StartingPosition;
import io.esm4j.worker.config.Endpoints;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import io.esm4j.worker.invoke.Invoker;
import io.esm4j.worker.invoke.TargetLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import io.esm4j.settings.StreamSettings;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * DynamoDB Streams mappings from a worker file: Lambda's fields reach esm-core's settings, wrong values are refused
 * naming the field, the value and what is allowed. (The reading itself is source-dynamodb's, tested there.)
 */
class DynamoDbStreamsMappingTest {

    private static final String STREAM =
            "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-06-10T19:26:16.525";
    private final SourceFactories factories = SourceFactories.discover();

    @Test
    void lambdaFieldsBecomeStreamSettings() {
        WorkerFile file = WorkerFile.parse("""
                Endpoints:
                  dynamodbstreams: http://127.0.0.1:8000
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: orders
                    StartingPosition: TRIM_HORIZON
                    BatchSize: 500
                    MaximumBatchingWindowInSeconds: 5
                    ParallelizationFactor: 3
                    BisectBatchOnFunctionError: true
                    MaximumRecordAgeInSeconds: 3600
                    MaximumRetryAttempts: 2
                    FunctionResponseTypes: [ReportBatchItemFailures]
                    FilterCriteria:
                      Filters:
                        - Pattern: '{"eventName":["INSERT"]}'
                    DestinationConfig: {OnFailure: {Destination: arn:aws:sqs:us-east-1:123456789012:dlq}}
                """.formatted(STREAM), true);
        assertThat(file.endpoints().endpoint("dynamodbstreams")).isEqualTo(URI.create("http://127.0.0.1:8000"));
        MappingSpec spec = file.mappings().getFirst();

        assertThat(factories.forMapping(spec)).isInstanceOf(DynamoDbStreamsSourceFactory.class);
        StreamSettings settings = new DynamoDbStreamsSourceFactory().settings(spec, "arn:fn");
        assertThat(settings.startingPosition()).isEqualTo(StartingPosition.TRIM_HORIZON);
        assertThat(settings.batchSize()).isEqualTo(500);
        assertThat(settings.maximumBatchingWindow()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.parallelizationFactor()).isEqualTo(3);
        assertThat(settings.bisectBatchOnFunctionError()).isTrue();
        assertThat(settings.maximumRecordAgeInSeconds()).isEqualTo(3600);
        assertThat(settings.maximumRetryAttempts()).isEqualTo(2);
        assertThat(settings.reportBatchItemFailures()).isTrue();
        assertThat(settings.functionArn()).isEqualTo("arn:fn");
        assertThat(spec.onFailureDestination()).isEqualTo("arn:aws:sqs:us-east-1:123456789012:dlq");
    }

    @Test
    void lambdasDefaultsWhereTheFileSaysNothing() {
        MappingSpec spec = spec("\"StartingPosition\": \"LATEST\"");
        StreamSettings settings = new DynamoDbStreamsSourceFactory().settings(factoryChecked(spec), "arn:fn");
        assertThat(settings.batchSize()).isEqualTo(100);
        assertThat(settings.maximumRetryAttempts()).isEqualTo(-1);
        assertThat(settings.maximumRecordAgeInSeconds()).isEqualTo(-1);
        assertThat(new DynamoDbStreamsSourceFactory().defaults()).containsEntry("BatchSize", 100);
    }

    @Test
    void invalidFieldsAreRefusedWithValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"AT_TIMESTAMP\"")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessage("Invalid value for StartingPosition: AT_TIMESTAMP. Expected one of [TRIM_HORIZON, "
                        + "LATEST]. DynamoDB Streams has no AT_TIMESTAMP, as in Lambda.");
        assertThatThrownBy(() -> factories.forMapping(spec("")))
                .hasMessageContaining("StartingPosition is required for a DynamoDB Streams source");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"StartingPositionTimestamp\": 1700000000")))
                .hasMessageContaining("StartingPositionTimestamp is not valid for DynamoDB Streams event sources");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", \"BatchSize\": 10001")))
                .hasMessage("Invalid value for BatchSize: 10001. Expected an integer from 1 to 10,000.");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"ParallelizationFactor\": 0")))
                .hasMessage("Invalid value for ParallelizationFactor: 0. Expected an integer from 1 to 10.");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"MaximumRecordAgeInSeconds\": 30")))
                .hasMessageContaining("MaximumRecordAgeInSeconds").hasMessageContaining("30");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"Queues\": [\"q\"]")))
                .hasMessageContaining("Queues is not valid for DynamoDB Streams event sources");
        assertThatThrownBy(() -> factories.forMapping(MappingSpec.of(new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode().put("EventSourceArn", "arn:aws:dynamodb:us-east-1:123456789012:table/orders")
                .put("FunctionName", "f").put("StartingPosition", "LATEST"), "")))
                .hasMessageContaining("EventSourceArn").hasMessageContaining("table/orders")
                .hasMessageContaining("table/<table>/stream/<label>");
    }

    /**
     * With {@code --endpoint dynamodb=URL} (a local DynamoDB holding the lease table) but no dynamodbstreams endpoint,
     * stream calls go to AWS's real endpoint and fail on the local credentials, an error far from its cause: the
     * worker says so once, naming both flags, and does not quietly take the dynamodb endpoint for streams.
     */
    @Test
    void aDynamodbEndpointWithoutADynamodbstreamsOneIsWarnedAboutOnce() {
        Endpoints local = Endpoints.none().with("dynamodb", URI.create("http://127.0.0.1:8000"));
        String both = sourcesLog(local.with("dynamodbstreams", URI.create("http://127.0.0.1:8001")));
        String onlyDynamodb = sourcesLog(local);

        assertThat(both).doesNotContain("dynamodbstreams=URL");
        assertThat(onlyDynamodb.split("no --endpoint dynamodbstreams=URL", -1)).as(onlyDynamodb).hasSize(2);
        assertThat(onlyDynamodb).contains("\"level\":\"WARN\"")
                .contains("--endpoint dynamodb=http://127.0.0.1:8000").contains("AWS's endpoint").contains(STREAM);
    }

    /**
     * The SDK's own settings (AWS_ENDPOINT_URL_DYNAMODB_STREAMS, AWS_ENDPOINT_URL, their system properties, a
     * profile's services section) give the stream client an endpoint too, as a LocalStack set-up often does: then
     * nothing is amiss, and neither the warning nor a failure's hint says otherwise.
     */
    @Test
    void aDynamodbstreamsEndpointFromTheSdksOwnSettingsIsNotWarnedAbout() {
        Endpoints local = Endpoints.none().with("dynamodb", URI.create("http://127.0.0.1:8000"));
        for (String property : List.of("aws.endpointUrlDynamoDbStreams", "aws.endpointUrl")) {
            System.setProperty(property, "http://127.0.0.1:8001");
            try (AwsClients clients = new AwsClients(Region.US_EAST_1, AnonymousCredentialsProvider.create(), local)) {
                assertThat(sourcesLog(local)).as(property).doesNotContain("dynamodbstreams=URL");
                WorkerContext context = new WorkerContext(clients, new SimpleMeterRegistry(), null, "w1", false);
                assertThat(new DynamoDbStreamsSourceFactory().problemHint(context)).as(property).isNull();
            } finally {
                System.clearProperty(property);
            }
        }
    }

    /**
     * When the mapping then fails, its state transition reason (the API's, health's and the status page's) says where
     * the stream calls went. The calls to AWS's endpoint go through a proxy on loopback that takes every connection
     * and closes it: the test calls nothing outside the machine (the proxy, not the worker, would resolve AWS's
     * host name).
     */
    @Test
    void aFailingMappingWithoutADynamodbstreamsEndpointSaysWhereItsCallsWent() throws Exception {
        List<String> properties = List.of("http.proxyHost", "http.proxyPort", "https.proxyHost", "https.proxyPort");
        try (ServerSocket standIn = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger calls = new AtomicInteger();
            Thread.ofVirtual().start(() -> {
                while (!standIn.isClosed()) {
                    try (Socket call = standIn.accept()) {
                        calls.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            for (String scheme : List.of("http", "https")) {
                System.setProperty(scheme + ".proxyHost", "127.0.0.1");
                System.setProperty(scheme + ".proxyPort", Integer.toString(standIn.getLocalPort()));
            }
            Endpoints local = Endpoints.none().with("dynamodb", URI.create("http://127.0.0.1:8000"));
            try (AwsClients clients = new AwsClients(Region.US_EAST_1,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")), local)) {
                WorkerContext context = new WorkerContext(clients, new SimpleMeterRegistry(),
                        new InMemoryLeaseStore(), "w1", false);
                RunningMapping running = new DynamoDbStreamsSourceFactory().create("hinted",
                        spec("\"StartingPosition\": \"LATEST\""), new MappingTarget(new Invoker.Java(
                                (RequestHandler<DynamodbEvent, Void>) (event, c) -> null, "fn", "arn:fn",
                                Duration.ofSeconds(5)), new TargetLimits("fn", 1, Duration.ofSeconds(5),
                                HandlerThreads.VIRTUAL), "arn:fn"),
                        context);
                running.start();
                try {
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> running.stateTransitionReason().startsWith("PROBLEM"));
                    assertThat(running.stateTransitionReason()).contains("no --endpoint dynamodbstreams=URL")
                            .contains("AWS's endpoint");
                    assertThat(calls.get()).isPositive();
                } finally {
                    running.stop(Duration.ofSeconds(5));
                }
            }
        } finally {
            properties.forEach(System::clearProperty);
        }
    }

    /** What making a mapping's source twice, with these endpoints, logs. */
    private static String sourcesLog(Endpoints endpoints) {
        DynamoDbStreamsSourceFactory factory = new DynamoDbStreamsSourceFactory();
        MappingSpec spec = spec("\"StartingPosition\": \"LATEST\"");
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (AwsClients clients = new AwsClients(Region.US_EAST_1, AnonymousCredentialsProvider.create(), endpoints)) {
            WorkerContext context = new WorkerContext(clients, new SimpleMeterRegistry(), null, "w1", false);
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            factory.source(spec, context);
            factory.source(spec, context);
        } finally {
            System.setErr(stderr);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void kinesisStreamAndStreamConsumerArnsAreTakenAndOtherKinesisArnsRefused() {
        String stream = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";
        factories.forMapping(kinesis(stream));
        factories.forMapping(kinesis(stream + "/consumer/efo:1700000000"));
        for (String other : List.of(stream + "/consumer/efo", stream + "/consumer/efo:x", stream + "/other")) {
            assertThatThrownBy(() -> factories.forMapping(kinesis(other)))
                    .isInstanceOf(InvalidMappingException.class).hasMessageContaining(other)
                    .hasMessageContaining("stream/<name>/consumer/<consumer>:<timestamp>");
        }
    }

    private static MappingSpec kinesis(String arn) {
        return WorkerFile.parse("{\"EventSourceMappings\": [{\"EventSourceArn\": \"" + arn
                + "\", \"FunctionName\": \"f\", \"StartingPosition\": \"LATEST\"}]}", false).mappings().getFirst();
    }

    private MappingSpec factoryChecked(MappingSpec spec) {
        factories.forMapping(spec);
        return spec;
    }

    private static MappingSpec spec(String fields) {
        return WorkerFile.parse("{\"EventSourceMappings\": [{\"EventSourceArn\": \"" + STREAM
                + "\", \"FunctionName\": \"f\"" + (fields.isEmpty() ? "" : ", " + fields) + "}]}", false)
                .mappings().getFirst();
    }
}

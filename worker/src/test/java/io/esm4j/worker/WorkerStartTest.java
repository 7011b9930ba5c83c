package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.testsupport.FreePorts;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.mappings.MappingConflictException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.regions.Region;

class WorkerStartTest {

    @TempDir
    Path directory;

    /**
     * Lambda's words for a second mapping of a pair ("update or delete the existing mapping with UUID ...") cannot be
     * followed for a file's mapping: the error names both entries of the file instead, and a URL's password never.
     */
    @Test
    void twoMappingsOfTheSameSourceAndFunctionAreRefusedNamingBothEntriesOfTheFile() throws Exception {
        Path file = directory.resolve("mappings.json");
        Files.writeString(file, """
                {"EventSourceMappings": [
                  {"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:other", "FunctionName": "f"},
                  {"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:q", "FunctionName": "http://u:hunter2@h:1/f"},
                  {"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:q", "FunctionName": "http://u:hunter2@h:1/f",
                   "BatchSize": 5}]}
                """);

        assertThatThrownBy(() -> start(file))
                .isInstanceOf(MappingConflictException.class)
                .hasMessageStartingWith("EventSourceMappings[2] maps the event source "
                        + "arn:aws:sqs:us-east-1:000000000000:q to the function http://...@h:1/f, as "
                        + "EventSourceMappings[1] does")
                .message().doesNotContain("hunter2").doesNotContain("update or delete");
    }

    /** esm-core's range errors name the field; in a file of many mappings the error names the mapping too. */
    @Test
    void aValueOutOfRangeIsRefusedNamingTheMappingOfTheFile() throws Exception {
        Path file = directory.resolve("mappings.yaml");
        Files.writeString(file, """
                EventSourceMappings:
                  - {EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:a", FunctionName: f}
                  - {EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:b", FunctionName: f, BatchSize: 0}
                """);

        assertThatThrownBy(() -> start(file))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessage("EventSourceMappings[1]: Invalid value for BatchSize: 0. Expected an integer from 1 to "
                        + "10,000.");
    }

    /**
     * A RequestHandler of another source's event would fail every batch with a ClassCastException (a poison batch
     * that is no record's fault); it is refused when the file is read, naming the handler and the event expected.
     */
    @Test
    void aJavaHandlerOfAnotherSourcesEventIsRefused() throws Exception {
        Path file = directory.resolve("mappings.yaml");
        Files.writeString(file, """
                Functions:
                  sqsHandler: {Handler: io.esm4j.worker.FileRecordingHandler}
                  kafkaHandler: {Handler: io.esm4j.worker.RecordingKafkaHandler}
                  anything: {Handler: io.esm4j.worker.HeldConstructionHandler}
                EventSourceMappings:
                  - {EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:a", FunctionName: sqsHandler}
                  - {EventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", FunctionName: anything,
                     StartingPosition: LATEST}
                  - {EventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", FunctionName: sqsHandler,
                     StartingPosition: LATEST}
                """);

        assertThatThrownBy(() -> start(file))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessage("EventSourceMappings[2]: Invalid value for Functions.sqsHandler.Handler: "
                        + "io.esm4j.worker.FileRecordingHandler. The class is a RequestHandler of "
                        + "com.amazonaws.services.lambda.runtime.events.SQSEvent, but a Kinesis mapping gives its "
                        + "handler a com.amazonaws.services.lambda.runtime.events.KinesisEvent: expected a "
                        + "RequestHandler<KinesisEvent, ?>.");

        Files.writeString(file, """
                Functions:
                  kafkaHandler: {Handler: io.esm4j.worker.RecordingKafkaHandler}
                EventSourceMappings:
                  - {EventSourceArn: "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/1", FunctionName:
                     kafkaHandler, StartingPosition: LATEST, TumblingWindowInSeconds: 30}
                """);
        assertThatThrownBy(() -> start(file))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageContaining("Functions.kafkaHandler.Handler")
                .hasMessageContaining("RequestHandler<DynamodbTimeWindowEvent, ?>");
    }

    /** A file the worker cannot read, or an address it cannot listen on, is named with its option. */
    @Test
    void whatAnOptionNamesAndCannotBeUsedIsNamedWithTheOption() throws Exception {
        Path missing = directory.resolve("missing.yaml");
        assertThatThrownBy(() -> start(missing))
                .isInstanceOf(CannotStartException.class)
                .hasMessage("--config " + missing + ": no such file or directory");
        assertThatThrownBy(() -> Worker.start(WorkerOptions.defaults().withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withApiKeys(directory).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)))
                .isInstanceOf(CannotStartException.class)
                .hasMessageStartingWith("--api-keys " + directory + ": ");
        assertThatThrownBy(() -> Worker.start(WorkerOptions.defaults().withDataDirectory(directory)
                .withListen("no-such-host.invalid", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)))
                .isInstanceOf(CannotStartException.class)
                .hasMessageStartingWith("--bind no-such-host.invalid --port 0: the address does not resolve");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> Worker.start(WorkerOptions.defaults().withDataDirectory(directory)
                    .withListen("127.0.0.1", taken.getLocalPort()).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)))
                    .isInstanceOf(CannotStartException.class)
                    .hasMessage("--bind 127.0.0.1 --port " + taken.getLocalPort() + ": Address already in use");
        }
    }

    /**
     * The README says AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> (and the SDK's system properties) apply, as
     * they do for SDK clients; Lambda Invoke, MSK and Secrets Manager are called without one and went to AWS's
     * regional endpoint instead (a LocalStack user's functions were invoked at AWS). The file's Endpoints win.
     */
    @Test
    void theSdksEndpointSettingsApplyToTheServicesCalledWithoutAnSdkClient() throws Exception {
        Path file = directory.resolve("mappings.yaml");
        Files.writeString(file, """
                EventSourceMappings:
                  - {EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:a", FunctionName: f, Enabled: false}
                """);
        System.setProperty("aws.endpointUrlLambda", "http://127.0.0.1:9/lambda");
        try (Worker worker = start(file)) {
            assertThat(worker.registry().list().get(0).function().endpoint())
                    .isEqualTo(URI.create("http://127.0.0.1:9/lambda"));
        } finally {
            System.clearProperty("aws.endpointUrlLambda");
        }
        Files.writeString(file, """
                Endpoints: {lambda: "http://127.0.0.1:8/file"}
                EventSourceMappings:
                  - {EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:a", FunctionName: f, Enabled: false}
                """);
        System.setProperty("aws.endpointUrl", "http://127.0.0.1:9/all");
        try (Worker worker = start(file)) {
            assertThat(worker.registry().list().get(0).function().endpoint())
                    .isEqualTo(URI.create("http://127.0.0.1:8/file"));
        } finally {
            System.clearProperty("aws.endpointUrl");
        }
    }

    /**
     * --endpoint lambda=... wins over the file's Endpoints for every Lambda target, a function of the file's Functions
     * without an Endpoint of its own included (it kept the file's); its own Endpoint wins over both.
     */
    @Test
    void theCommandLinesLambdaEndpointAppliesToTheFilesLambdaFunctions() throws Exception {
        Path file = directory.resolve("mappings.yaml");
        Files.writeString(file, """
                Endpoints: {lambda: "http://127.0.0.1:8/file"}
                Functions:
                  billing: {Lambda: billing}
                  own: {Lambda: own, Endpoint: "http://127.0.0.1:6/own"}
                EventSourceMappings:
                  - {EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:a", FunctionName: billing, Enabled: false}
                  - {EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:a", FunctionName: own, Enabled: false}
                  - {EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:a", FunctionName: other, Enabled: false}
                """);
        try (Worker worker = Worker.start(WorkerOptions.defaults().withConfigFile(file).withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                .withEndpoints(io.esm4j.worker.config.Endpoints.none().with("lambda",
                        URI.create("http://127.0.0.1:7/cli"))))) {
            assertThat(worker.registry().list().stream().map(mapping -> mapping.function().name() + " "
                    + mapping.function().endpoint()))
                    .containsExactlyInAnyOrder("billing http://127.0.0.1:7/cli", "own http://127.0.0.1:6/own",
                            "other http://127.0.0.1:7/cli");
        }
    }

    /**
     * A source of another region than the worker's cannot be reached by its clients (the library refuses it when the
     * mapping is built): the error names EventSourceArn and both ways to reach it, not the library's SqsClient.
     */
    @Test
    void aSourceOfAnotherRegionIsRefusedNamingTheFieldAndHowToReachIt() throws Exception {
        Path file = directory.resolve("mappings.yaml");
        for (String source : List.of("{EventSourceArn: \"arn:aws:sqs:eu-west-1:000000000000:q\", FunctionName: f}",
                "{EventSourceArn: \"arn:aws:kinesis:eu-west-1:000000000000:stream/s\", FunctionName: f, "
                        + "StartingPosition: LATEST}")) {
            Files.writeString(file, "EventSourceMappings:\n  - " + source + "\n");
            String service = source.contains("sqs") ? "sqs" : "kinesis";
            assertThatThrownBy(() -> start(file))
                    .isInstanceOf(InvalidMappingException.class)
                    .hasMessageStartingWith("EventSourceMappings[0]: Invalid value for EventSourceArn: arn:aws:"
                            + service + ":eu-west-1:000000000000:")
                    .hasMessageEndingWith("The worker's region is us-east-1: run a worker with --region eu-west-1 "
                            + "for this source, or give the " + service + " endpoint that serves it (--endpoint "
                            + service + "=URL or the file's Endpoints).");
            Files.writeString(file, "Endpoints: {" + service + ": \"http://127.0.0.1:1\"}\nEventSourceMappings:\n  - "
                    + source + "\n");
            try (Worker worker = start(file)) {
                assertThat(worker.registry().list()).hasSize(1);
            }
        }
    }

    /**
     * A pair mapped through the API, then added to the file: Lambda maps a pair once, and two mappings would invoke
     * the function twice for every record.
     */
    @Test
    void aFileMappingOfAPairAnApiMappingAlreadyMapsIsRefused() throws Exception {
        String mapping = "{EventSourceArn: \"arn:aws:sqs:us-east-1:000000000000:q\", FunctionName: f, Enabled: false}";
        String uuid;
        try (Worker worker = Worker.start(WorkerOptions.defaults().withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS))) {
            uuid = worker.registry().create(io.esm4j.worker.config.WorkerFile.parse("EventSourceMappings: ["
                    + mapping + "]", true).mappings().get(0)).uuid();
        }
        Path file = directory.resolve("mappings.yaml");
        Files.writeString(file, "EventSourceMappings:\n  - " + mapping + "\n");
        assertThatThrownBy(() -> start(file))
                .isInstanceOf(MappingConflictException.class)
                .hasMessage("EventSourceMappings[0] maps the event source arn:aws:sqs:us-east-1:000000000000:q to the "
                        + "function the mapping " + uuid + " maps, which was created through the API (kept in "
                        + directory.resolve("mappings.json") + "). Lambda maps a source and function pair once: "
                        + "remove the entry from the file, or start without it and delete that mapping (aws lambda "
                        + "delete-event-source-mapping --uuid " + uuid + ").");
    }

    private Worker start(Path file) throws IOException {
        return Worker.start(WorkerOptions.defaults().withConfigFile(file).withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS));
    }

    private static final String KINESIS = "\"EventSourceArn\": \"arn:aws:kinesis:us-east-1:000000000000:stream/s\"";
    private static final String KAFKA = "\"SelfManagedEventSource\": {\"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": "
            + "[\"127.0.0.1:1\"]}}, \"Topics\": [\"t\"]";
    private static final String SQS_FIFO = "\"EventSourceArn\": \"arn:aws:sqs:us-east-1:000000000000:q.fifo\"";
    private static final String LATEST = ", \"StartingPosition\": \"LATEST\"";
    private static final String DESTINATION = "DestinationConfig.OnFailure.Destination";
    private static final String IN_3000 = ", \"StartingPosition\": \"AT_TIMESTAMP\", \"StartingPositionTimestamp\": ";

    static Stream<Arguments> mappingsThatCouldNeverStart() {
        return Stream.of(
                Arguments.of("StartingPositionTimestamp", KINESIS + IN_3000 + "\"3000-01-01T00:00:00Z\""),
                Arguments.of("StartingPositionTimestamp", KAFKA + IN_3000 + "32503680000"),
                Arguments.of("BatchSize", SQS_FIFO + ", \"BatchSize\": 20, \"MaximumBatchingWindowInSeconds\": 1"),
                Arguments.of("MaximumBatchingWindow", SQS_FIFO + ", \"MaximumBatchingWindowInSeconds\": 1"),
                Arguments.of("FilterCriteria", KINESIS + LATEST + filter("{\\\"body\\\": {\\\"a\\\": [1]}}")),
                Arguments.of("FilterCriteria", "\"EventSourceArn\": \"arn:aws:kinesis:us-east-1:000000000000:stream/s/"
                        + "consumer/c:1\"" + LATEST + filter("{\\\"data\\\": [\\\"plain\\\"]}")),
                Arguments.of("FilterCriteria", "\"EventSourceArn\": \"arn:aws:sqs:us-east-1:000000000000:q\""
                        + filter("{\\\"data\\\": {\\\"a\\\": [1]}}")),
                Arguments.of(DESTINATION, KINESIS + LATEST + onFailure("kafka://failures")),
                Arguments.of(DESTINATION, "\"EventSourceArn\": \"arn:aws:dynamodb:us-east-1:000000000000:table/t/"
                        + "stream/1\"" + LATEST + onFailure("arn:aws:sqs:us-east-1:000000000000:f.fifo")),
                Arguments.of(DESTINATION, KAFKA + LATEST
                        + onFailure("arn:aws:lambda:us-east-1:000000000000:function:f")),
                // The worker's SQS and SNS clients are of its region: forArn refuses a queue or topic of another.
                Arguments.of(DESTINATION, KINESIS + LATEST + onFailure("arn:aws:sqs:eu-west-1:000000000000:f")),
                Arguments.of(DESTINATION, KINESIS + LATEST + onFailure("arn:aws:sns:eu-west-1:000000000000:f")));
    }

    private static String filter(String pattern) {
        return ", \"FilterCriteria\": {\"Filters\": [{\"Pattern\": \"" + pattern + "\"}]}";
    }

    private static String onFailure(String destination) {
        return ", \"DestinationConfig\": {\"OnFailure\": {\"Destination\": \"" + destination + "\"}}";
    }

    /**
     * What esm-core and the destinations check when a mapping is built is checked when the file is read, so the
     * worker does not start with a mapping that would fail every start (Lambda refuses these at creation).
     */
    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("mappingsThatCouldNeverStart")
    void aMappingThatCouldNeverStartIsRefusedWhenTheFileIsRead(String field, String fields) throws Exception {
        Path file = directory.resolve("mappings.json");
        Files.writeString(file, "{\"EventSourceMappings\": [{\"FunctionName\": \"http://127.0.0.1:1/f\", " + fields
                + "}]}");

        assertThatThrownBy(() -> Worker.start(WorkerOptions.defaults().withConfigFile(file)
                .withDataDirectory(directory).withListen("127.0.0.1", 0)
                .withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageContaining(field)
                .satisfies(e -> assertThat(((InvalidMappingException) e).field()).startsWith(field.split("\\.")[0]));
    }

    /**
     * A Redis that does not answer at start does not stop the start (in Kubernetes an exit loops with back-off): the
     * worker starts, and says why where the store is used, naming the server or the sentinels, never the password.
     */
    @Test
    void aRedisThatDoesNotAnswerAtStartDoesNotStopTheStartAndTheReasonNamesTheServerNotThePassword()
            throws Exception {
        int closedPort = FreePorts.distinct(1)[0];
        URI redis = URI.create("redis://user:hunter2@127.0.0.1:" + closedPort);
        try (Worker worker = Worker.start(WorkerOptions.defaults().withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                .withLeases(new StoreLocation.Redis(redis)))) {
            assertThat(worker.registry().list()).isEmpty();
        }

        URI sentinels = URI.create("redis-sentinel://hunter2@127.0.0.1:" + closedPort + "#orders-cache");
        try (Worker worker = Worker.start(WorkerOptions.defaults().withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                .withMappings(new StoreLocation.Redis(sentinels)))) {
            assertThat(worker.registry().storeReadOnce()).isFalse();
            assertThat(worker.registry().refreshProblem())
                    .contains("Could not connect to the master orders-cache of Redis Sentinel at 127.0.0.1:"
                            + closedPort + " (--mapping-redis)")
                    .doesNotContain("hunter2");
        }
    }
}

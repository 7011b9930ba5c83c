package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.testsupport.NodeTools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker processes started as users start them, fed by ElasticMQ in the test JVM, invoking a plain HTTP function (in
 * the test JVM) and a Java handler (in the worker); stopped by SIGTERM in the middle of a batch and killed with
 * SIGKILL, then restarted: no message is lost, at most delivered again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerProcessTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private ElasticMq elasticMq;
    private RecordingFunction function;
    private WorkerProcess worker;
    @TempDir
    Path directory;

    @BeforeAll
    void startServers() throws IOException {
        elasticMq = new ElasticMq();
        function = new RecordingFunction();
    }

    @AfterAll
    void stopServers() {
        try {
            function.close();
        } finally {
            elasticMq.close();
        }
    }

    @AfterEach
    void stopWorker() throws Exception {
        function.release();
        if (worker != null) {
            try (AutoCloseable ending = elasticMq.endingLongPolls()) {
                worker.close();
            }
        }
    }

    @Test
    void recordsReachAnHttpFunctionAndAJavaHandlerAndOperationsEndpointsAnswer() throws Exception {
        String httpQueue = elasticMq.queue("proc-http", 30);
        String javaQueue = elasticMq.queue("proc-java", 30);
        Path handled = directory.resolve("handled.txt");
        worker = WorkerProcess.start(directory, handled, "--config", config(httpQueue, javaQueue).toString(),
                "--port", "0", "--data-dir", directory.resolve("data").toString());

        List<String> bodies = IntStream.range(0, 15).mapToObj(i -> "flow-" + i).toList();
        bodies.forEach(body -> elasticMq.send("proc-http", body));
        bodies.forEach(body -> elasticMq.send("proc-java", body));

        await().atMost(Duration.ofSeconds(90)).until(() -> function.distinct.containsAll(bodies));
        await().atMost(Duration.ofSeconds(90)).until(() -> lines(handled).containsAll(bodies));
        // The handler's Context names its function, as Lambda's does (the SQS adapter's own named the queue).
        assertThat(lines(handled)).contains("function=java-fn").noneMatch(line -> line.startsWith("function=proc-"));
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/health/ready").statusCode() == 200);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/health").body()).contains("\"ready\":true").contains("\"State\":\"Enabled\"");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("text/plain"));
        assertThat(metrics.body()).contains("InvokedEventCount").contains("mapping=\"");
        String page = get("/").body();
        assertThat(page).contains("<table id=\"mappings\">").contains(httpQueue).contains(javaQueue)
                .contains("Enabled");
        assertThat(worker.output()).doesNotContain("flow-");

        try (AutoCloseable ending = elasticMq.endingLongPolls()) {
            assertThat(worker.terminate()).isZero();
        }
    }

    @Test
    void sigtermInTheMiddleOfABatchDrainsItAndExitsZero() throws Exception {
        String queue = elasticMq.queue("proc-sigterm", 5);
        Path config = config(queue, null);
        worker = WorkerProcess.start(directory, directory.resolve("unused"), "--config", config.toString(), "--port",
                "0", "--data-dir", directory.resolve("data").toString());
        function.entered.drainPermits();
        function.hold();
        List<String> bodies = IntStream.range(0, 10).mapToObj(i -> "term-" + i).toList();
        bodies.forEach(body -> elasticMq.send("proc-sigterm", body));
        await().atMost(Duration.ofSeconds(60)).until(() -> function.entered.availablePermits() > 0);

        Thread release = Thread.ofVirtual().start(() -> {
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.output().contains("worker stopping"));
            function.release();
        });
        try (AutoCloseable ending = elasticMq.endingLongPolls()) {
            assertThat(worker.terminate()).isZero();
        }
        release.join();
        assertThat(worker.output()).contains("worker stopped");
        assertThat(function.received).as("the batch in flight at SIGTERM completed before the exit").isNotEmpty();

        worker = WorkerProcess.start(directory, directory.resolve("unused"), "--config", config.toString(), "--port",
                "0", "--data-dir", directory.resolve("data").toString());
        await().atMost(Duration.ofSeconds(90)).until(() -> function.distinct.containsAll(bodies));
    }

    @Test
    void killMinusNineInTheMiddleOfABatchLosesNothingAfterARestart() throws Exception {
        String queue = elasticMq.queue("proc-kill", 3);
        Path config = config(queue, null);
        worker = WorkerProcess.start(directory, directory.resolve("unused"), "--config", config.toString(), "--port",
                "0", "--data-dir", directory.resolve("data").toString());
        function.entered.drainPermits();
        function.hold();
        List<String> bodies = IntStream.range(0, 10).mapToObj(i -> "kill-" + i).toList();
        bodies.forEach(body -> elasticMq.send("proc-kill", body));
        await().atMost(Duration.ofSeconds(60)).until(() -> function.entered.availablePermits() > 0);

        worker.kill();
        function.release();
        worker = WorkerProcess.start(directory, directory.resolve("unused"), "--config", config.toString(), "--port",
                "0", "--data-dir", directory.resolve("data").toString());

        await().atMost(Duration.ofSeconds(90)).until(() -> function.distinct.containsAll(bodies));
        assertThat(function.received.stream().filter(bodies::contains).count()).isGreaterThanOrEqualTo(10);
    }

    @Test
    void twoWorkersWithTheSameFileShareAQueueAsCompetingConsumers() throws Exception {
        String queue = elasticMq.queue("proc-two", 30);
        Path config = Files.createTempFile(directory, "two-", ".yaml");
        Files.writeString(config, """
                Endpoints:
                  sqs: %s
                Functions:
                  java-fn:
                    Handler: %s
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: java-fn
                    BatchSize: 1
                    ScalingConfig: {MaximumConcurrency: 2}
                """.formatted(elasticMq.endpoint, FileRecordingHandler.class.getName(), queue));
        Path handledA = directory.resolve("a.txt");
        Path handledB = directory.resolve("b.txt");
        worker = WorkerProcess.start(directory, List.of("-Desm4j.test.handled=" + handledA,
                "-Desm4j.test.pauseMillis=300"), "--config", config.toString(), "--port", "0", "--data-dir",
                directory.resolve("data-a").toString());
        try (WorkerProcess other = WorkerProcess.start(directory, List.of("-Desm4j.test.handled=" + handledB,
                "-Desm4j.test.pauseMillis=300"), "--config", config.toString(), "--port", "0", "--data-dir",
                directory.resolve("data-b").toString())) {
            for (WorkerProcess each : List.of(worker, other)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> http.send(HttpRequest.newBuilder(
                        URI.create(each.url() + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200);
            }
            List<String> bodies = IntStream.range(0, 30).mapToObj(i -> "two-" + i).toList();
            bodies.forEach(body -> elasticMq.send("proc-two", body));

            await().atMost(Duration.ofSeconds(120)).until(() -> {
                Set<String> both = new HashSet<>(lines(handledA));
                both.addAll(lines(handledB));
                return both.containsAll(bodies);
            });
            assertThat(lines(handledA)).as("worker A handled some").isNotEmpty();
            assertThat(lines(handledB)).as("worker B handled some").isNotEmpty();
        }
    }

    @Test
    void anInvalidFileStopsTheWorkerWithStatusTwoNamingFieldValueAndWhatIsAllowed() throws Exception {
        Path config = Files.createTempFile(directory, "invalid-", ".yaml");
        Files.writeString(config, """
                EventSourceMappings:
                  - EventSourceArn: arn:aws:sqs:us-east-1:000000000000:q
                    FunctionName: http://127.0.0.1:1/fn
                    BatchSize: 0
                """);
        worker = WorkerProcess.launch(directory, directory.resolve("unused"), "--config", config.toString(), "--port",
                "0", "--data-dir", directory.resolve("data-invalid").toString());

        assertThat(worker.waitForExit()).isEqualTo(2);
        assertThat(worker.output()).contains("esm4j worker: invalid configuration: EventSourceMappings[0]: Invalid "
                + "value for BatchSize: 0. Expected an integer from 1 to 10,000.");
    }

    @Test
    void localModeRunsTheDemoWithItsOwnSqsKafkaAndWithNodeKinesis() throws Exception {
        // The npm folders of kinesis-mock and dynalite, as the local profile passes them.
        worker = WorkerProcess.launch(directory, List.of("-Dkinesis.mock.dir=" + System.getProperty("kinesis.mock.dir"),
                "-Ddynalite.dir=" + System.getProperty("dynalite.dir")), "--local", "--exit-after-demo", "--port", "0");

        assertThat(worker.waitForExit()).as("exit status; output:%n%s", worker.output()).isZero();
        String output = worker.output();
        assertThat(output).contains("done: 10 of 10 SQS messages reached the Java handler, 10 of 10 the HTTP "
                        + "function; 10 of 10 Kafka records the Kafka handler")
                .contains("[java handler] batch of").contains("[http function] aws:sqs batch of")
                .contains("[kafka handler] batch of").contains("Kafka: embedded broker at 127.0.0.1:")
                .contains("Topics: [esm4j-demo-kafka]")
                .contains("other AWS services: http://127.0.0.1:9, a closed port");
        if (NodeTools.onPath().complete()) {
            assertThat(output).contains("; 10 of 10 Kinesis records the HTTP function")
                    .contains("[http function] aws:kinesis batch of").doesNotContain("Kinesis demo skipped");
        } else {
            assertThat(output).contains("Kinesis demo skipped: ").doesNotContain("Kinesis records");
        }
    }

    private Path config(String httpQueue, String javaQueue) throws IOException {
        StringBuilder yaml = new StringBuilder("""
                Endpoints:
                  sqs: %s
                Functions:
                  http-fn:
                    Url: %s
                    Timeout: 120
                  java-fn:
                    Handler: %s
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: http-fn
                    BatchSize: 5
                    ScalingConfig: {MaximumConcurrency: 2}
                """.formatted(elasticMq.endpoint, function.url(), FileRecordingHandler.class.getName(), httpQueue));
        if (javaQueue != null) {
            yaml.append("""
                      - EventSourceArn: %s
                        FunctionName: java-fn
                        BatchSize: 5
                    """.formatted(javaQueue));
        }
        Path file = Files.createTempFile(directory, "mappings-", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static Set<String> lines(Path file) throws IOException {
        return Files.exists(file) ? new HashSet<>(Files.readAllLines(file)) : Set.of();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(worker.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

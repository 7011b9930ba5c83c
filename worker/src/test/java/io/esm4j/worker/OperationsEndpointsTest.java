package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operations endpoints as a probe, a scraper and an operator use them: HEAD requests, the Prometheus names the
 * README gives, and a drain during which the worker stays live, says it is not ready and refuses API calls. The
 * drain ends the worker, so it is the one test of its class that stops it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsEndpointsTest {

    private static final String API = "/2015-03-31/event-source-mappings/";

    private final HttpClient http = HttpClient.newHttpClient();
    private ElasticMq elasticMq;
    private RecordingFunction function;
    private Path directory;
    private Worker worker;
    private String uuid;

    @BeforeAll
    void start() throws Exception {
        elasticMq = new ElasticMq();
        function = new RecordingFunction();
        directory = Files.createTempDirectory("esm4j-operations-test");
        String queue = elasticMq.queue("operations", 30);
        worker = InProcessWorker.start(directory, """
                Endpoints:
                  sqs: %s
                Functions:
                  http-fn:
                    Url: %s
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: http-fn
                    BatchSize: 1
                """.formatted(elasticMq.endpoint, function.url(), queue),
                options -> options.withDrainTimeout(Duration.ofSeconds(120)));
        uuid = worker.registry().list().getFirst().uuid();
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/health/ready").statusCode() == 200);
        elasticMq.send("operations", "first");
        await().atMost(Duration.ofSeconds(60)).until(() -> function.distinct.contains("first"));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            function.release();
            worker.close();
        } finally {
            function.close();
            elasticMq.close();
        }
    }

    /** Probes often use HEAD; the JDK's server logs a plain-text warning for each HEAD answered with a length. */
    @Test
    void headRequestsGetTheStatusWithoutABodyOrAWarning() throws Exception {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler collect = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger server = Logger.getLogger("com.sun.net.httpserver");
        server.addHandler(collect);
        try {
            head();
        } finally {
            server.removeHandler(collect);
        }
        assertThat(warnings).extracting(LogRecord::getMessage).isEmpty();
        assertThat(get("/health/live").body()).isEqualTo("live\n");
    }

    private void head() throws Exception {
        for (String path : new String[] {"/health/live", "/health/ready", "/health", "/metrics", "/"}) {
            HttpResponse<String> head = http.send(HttpRequest.newBuilder(worker.url().resolve(path))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(head.statusCode()).as("HEAD " + path).isEqualTo(get(path).statusCode());
            assertThat(head.body()).isEmpty();
        }
    }

    /** A 405 says which methods the path takes (HTTP requires the Allow header), on the API as on the probes. */
    @Test
    void aMethodAPathDoesNotTakeIsAnsweredWithTheMethodsItTakes() throws Exception {
        Map<String, String> allowed = Map.of("/health/ready", "GET, HEAD", "/metrics", "GET, HEAD",
                API, "GET, POST", API + uuid, "GET, PUT, DELETE");
        for (Map.Entry<String, String> path : allowed.entrySet()) {
            HttpResponse<String> patch = http.send(HttpRequest.newBuilder(URI.create(worker.url() + path.getKey()))
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(patch.statusCode()).as("PATCH " + path.getKey()).isEqualTo(405);
            assertThat(patch.headers().firstValue("Allow")).as("PATCH " + path.getKey()).hasValue(path.getValue());
        }
    }

    /** A body that is JSON but not an object is not a request: said as Lambda says a body it cannot read. */
    @Test
    void anApiBodyThatIsNotAnObjectIsRefusedAsRequestContent() throws Exception {
        for (String method : List.of("POST", "PUT")) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(worker.url() + API
                    + (method.equals("PUT") ? uuid : ""))).method(method, HttpRequest.BodyPublishers.ofString("[]"))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).as(method).isEqualTo(400);
            assertThat(answer.headers().firstValue("X-Amzn-ErrorType")).as(method)
                    .hasValue("InvalidRequestContentException");
            assertThat(answer.body()).as(method).contains("Could not parse request body into json: expected a JSON "
                    + "object of the request's fields, got an array");
        }
    }

    @Test
    void metricsCarryThePrometheusNamesTheReadmeGives() throws Exception {
        HttpResponse<String> metrics = get("/metrics");

        assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        String tag = "{mapping=\"" + uuid + "\"}";
        assertThat(metrics.body()).contains("# TYPE PolledEventCount_total counter")
                .contains("InvokedEventCount_total" + tag + " ")
                .contains("FailedInvokeEventCount_total" + tag + " ")
                .contains("DeletedEventCount_total" + tag + " ")
                .contains("# TYPE HandlerDuration_seconds summary")
                .contains("HandlerDuration_seconds_count" + tag + " ")
                .contains("BatchSize_records_count" + tag + " ");
    }

    /**
     * Leases do not record their holder's FailoverTime, so workers of one lease table given different values cannot
     * see it: each worker says its own in its metrics (and its start log), for a fleet-wide check.
     */
    @Test
    void metricsSayTheWorkersFailoverTime() throws Exception {
        assertThat(get("/metrics").body()).contains("# TYPE WorkerFailoverTime_seconds gauge")
                .contains("WorkerFailoverTime_seconds 10.0");
    }

    /** A function URL may carry a token in its query: the status page shows the URL without it. */
    @Test
    void theStatusPageShowsAFunctionUrlWithoutItsQuery() throws Exception {
        String queue = elasticMq.queue("operations-token", 30);
        String uuid = create(queue, function.url() + "?token=s3cret-token");

        String page = get("/").body();
        assertThat(page).contains(uuid).contains(function.url() + "?...").doesNotContain("s3cret-token");
        assertThat(http.send(HttpRequest.newBuilder(worker.url().resolve(API + uuid)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(202);
        try (AutoCloseable ending = elasticMq.endingLongPolls(queueName(queue))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> get(API + uuid).statusCode() == 404);
        }
    }

    private static String queueName(String queueArn) {
        return queueArn.substring(queueArn.lastIndexOf(':') + 1);
    }

    private String create(String queueArn, String functionName) throws Exception {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(worker.url().resolve(API))
                .POST(HttpRequest.BodyPublishers.ofString("{\"EventSourceArn\": \"" + queueArn
                        + "\", \"FunctionName\": \"" + functionName + "\", \"BatchSize\": 1}"))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        return new ObjectMapper().readTree(created.body()).path("UUID").asText();
    }

    /** A delete is a user's doing, not a fault: the worker stays ready while the deleted mapping drains. */
    @Test
    void aMappingDrainingAfterItsDeleteLeavesTheWorkerReady() throws Exception {
        String queue = elasticMq.queue("operations-deleted", 30);
        String deleted = create(queue, function.url().toString());
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/health/ready").statusCode() == 200);

        function.hold();
        try {
            function.entered.drainPermits();
            elasticMq.send("operations-deleted", "in flight at the delete");
            await().atMost(Duration.ofSeconds(60)).until(() -> function.entered.availablePermits() > 0);
            HttpResponse<String> delete = http.send(HttpRequest.newBuilder(worker.url().resolve(API + deleted))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(delete.statusCode()).as(delete.body()).isEqualTo(202);

            assertThat(get(API + deleted).body()).contains("\"State\":\"Deleting\"");
            assertThat(get("/health/ready").statusCode()).isEqualTo(200);
        } finally {
            function.release();
        }
        try (AutoCloseable ending = elasticMq.endingLongPolls(queueName(queue))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> get(API + deleted).statusCode() == 404);
        }
    }

    /** Runs last: the drain stops the worker. */
    @Test
    @Order(Integer.MAX_VALUE)
    void aDrainingWorkerStaysLiveIsNotReadyAndRefusesApiCalls() throws Exception {
        function.hold();
        function.entered.drainPermits();
        elasticMq.send("operations", "in flight at the stop");
        await().atMost(Duration.ofSeconds(60)).until(() -> function.entered.availablePermits() > 0);

        CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
            try {
                worker.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                get("/health/ready").body().equals("draining\n"));

        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/health").body()).contains("\"status\":\"DRAINING\"").contains("\"draining\":true")
                .contains("\"ready\":false");
        assertThat(get("/metrics").body()).contains("InvokedEventCount_total");
        HttpResponse<String> api = get("/2015-03-31/event-source-mappings/");
        assertThat(api.statusCode()).isEqualTo(503);
        assertThat(api.body()).contains("drains");
        assertThat(closed).isNotDone();

        function.release();
        try (AutoCloseable ending = elasticMq.endingLongPolls()) {
            closed.get();
        }
        assertThat(function.distinct).contains("in flight at the stop");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(worker.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

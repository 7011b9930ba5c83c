package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Java handlers whose classes' static initializers failed once (a server they connect to was down at that moment):
 * the JVM never runs such an initializer again, so no restart of the mapping inside the worker heals it. The worker
 * says so where an orchestrator looks, {@code /health/live} answering 503 naming the mapping and the class, so that
 * the process is restarted, as Lambda runs a failed init again in a new execution environment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClassInitFailureTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String IN_BATCH = InitFailsInBatchHandler.Pool.class.getName();
    private static final String AT_START = InitFailsAtStartHandler.Pool.class.getName();

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private ElasticMq elasticMq;
    private Path directory;
    private Worker worker;

    @BeforeAll
    void start() throws Exception {
        elasticMq = new ElasticMq();
        directory = Files.createTempDirectory("esm4j-class-init-test");
        // A visibility timeout of 1 s: the message the fatal stop left comes back to the restarted mapping soon.
        String inBatch = elasticMq.queue("class-init-batch", 1);
        String atStart = elasticMq.queue("class-init-start", 1);
        worker = InProcessWorker.start(directory, """
                Endpoints:
                  sqs: %s
                Functions:
                  in-batch: {Handler: %s}
                  at-start: {Handler: %s}
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: in-batch
                    BatchSize: 1
                  - EventSourceArn: %s
                    FunctionName: at-start
                """.formatted(elasticMq.endpoint, InitFailsInBatchHandler.class.getName(),
                InitFailsAtStartHandler.class.getName(), inBatch, atStart));
        elasticMq.send("class-init-batch", "first");
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (worker != null) {
                worker.close();
            }
        } finally {
            elasticMq.close();
        }
    }

    @Test
    void theWorkerIsNotLiveNamingEachMappingAndTheClassWhoseInitializerFailed() throws Exception {
        String batchMapping = uuidOf("in-batch");
        String startMapping = uuidOf("at-start");

        // The batch's class is named once its next use (a restart's batch) throws NoClassDefFoundError naming it.
        await().atMost(WAIT).until(() -> get("/health/live").body().contains(IN_BATCH)
                && get("/health/live").body().contains(AT_START));

        HttpResponse<String> live = get("/health/live");
        assertThat(live.statusCode()).isEqualTo(503);
        assertThat(live.body()).startsWith("not live: ")
                .contains("mapping " + batchMapping + ": the static initializer of " + IN_BATCH + " failed, and the "
                        + "JVM never runs it again: restart the worker process (/health/live answers 503)")
                .contains("mapping " + startMapping + ": the static initializer of " + AT_START + " failed");
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);

        JsonNode health = json.readTree(get("/health").body());
        assertThat(health.path("live").asBoolean(true)).isFalse();
        assertThat(health.path("status").asText()).isEqualTo("DEGRADED");
        for (JsonNode mapping : health.path("mappings")) {
            String pool = mapping.path("UUID").asText().equals(batchMapping) ? IN_BATCH : AT_START;
            assertThat(mapping.path("processRestartNeeded").asText()).contains(pool);
            assertThat(mapping.path("ready").asBoolean(true)).isFalse();
        }

        JsonNode started = json.readTree(get("/2015-03-31/event-source-mappings/" + startMapping).body());
        assertThat(started.path("State").asText()).isEqualTo("Enabling");
        assertThat(started.path("StateTransitionReason").asText()).startsWith("PROBLEM: start failed: ")
                .endsWith("; the static initializer of " + AT_START + " failed, and the JVM never runs it again: "
                        + "restart the worker process (/health/live answers 503)");
        JsonNode batch = json.readTree(get("/2015-03-31/event-source-mappings/" + batchMapping).body());
        assertThat(batch.path("StateTransitionReason").asText()).startsWith("PROBLEM: ")
                .contains("restart the worker process");
    }

    private String uuidOf(String function) {
        return worker.registry().list().stream().filter(m -> m.spec().functionName().equals(function))
                .findFirst().orElseThrow().uuid();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(worker.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

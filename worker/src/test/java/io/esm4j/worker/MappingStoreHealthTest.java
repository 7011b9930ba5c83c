package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;

/**
 * A worker whose shared mapping store cannot be read (DynamoDB or Redis unreachable) starts and keeps running, and
 * says so where an operator looks: {@code /health} reports the worker DEGRADED with the problem under
 * {@code mappingStore}, and the status page shows it. Until the store has been read once the worker does not know
 * which of the fleet's mappings to run, so it is not ready, saying why; once read, readiness stays with the mappings
 * (every worker of the fleet shares the store).
 */
class MappingStoreHealthTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path directory;

    @Test
    void anUnreadableMappingTableMakesHealthDegradedAndShowsOnTheStatusPage() throws Exception {
        try (Worker worker = InProcessWorker.start(directory, """
                Endpoints:
                  dynamodb: http://127.0.0.1:1
                """, options -> options.withMappings(new StoreLocation.DynamoDbTable("esm4j-mappings")))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.registry().refreshProblem() != null);

            JsonNode health = new ObjectMapper().readTree(get(worker, "/health").body());
            assertThat(health.path("mappingStore").path("problem").asText()).contains("esm4j-mappings");
            assertThat(health.path("mappingStore").path("readOnce").asBoolean()).isFalse();
            assertThat(health.path("status").asText()).isEqualTo("DEGRADED");
            assertThat(health.path("ready").asBoolean()).isFalse();
            HttpResponse<String> ready = get(worker, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).startsWith("not ready: cannot read the mappings in DynamoDB table esm4j-mappings")
                    .contains("not read once since the start");
            assertThat(get(worker, "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(worker, "/").body()).contains("cannot read the mappings in DynamoDB table esm4j-mappings");
        }
    }

    /**
     * A Redis that does not answer when the worker starts does not stop the start (in Kubernetes an exit would loop
     * with back-off): the worker starts not ready, saying why without the URL's password, connects once the server
     * answers, reads the mappings and is ready.
     */
    @Test
    void aMappingRedisDownAtStartMakesTheWorkerNotReadyUntilItAnswers() throws Exception {
        int port = FreePorts.distinct(1)[0];
        URI url = URI.create("redis://:s3cret-Pa55@127.0.0.1:" + port);
        RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"")
                .setting("appendonly no").setting("requirepass s3cret-Pa55").build();
        try (Worker worker = InProcessWorker.start(directory, "{}",
                options -> options.withMappings(new StoreLocation.Redis(url)))) {
            HttpResponse<String> ready = get(worker, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("Could not connect to Redis at 127.0.0.1:" + port + " (--mapping-redis)")
                    .doesNotContain("s3cret");
            assertThat(get(worker, "/health").body()).doesNotContain("s3cret");

            server.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> get(worker, "/health/ready").statusCode() == 200);
            assertThat(worker.registry().refreshProblem()).isNull();
        } finally {
            server.stop();
        }
    }

    /**
     * A DynamoDB that accepts connections and never answers (a half-open connection, a brownout) fails a call within
     * the worker's DynamoDB call timeout, not after the SDK's 30 s read timeout per attempt: the worker starts within
     * seconds, and a lease renewal is answered or failed well within FailoverTime.
     */
    @Test
    void aMappingTableThatDoesNotAnswerFailsItsReadsWithinTheCallTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            CompletableFuture<Worker> start = CompletableFuture.supplyAsync(() -> {
                try {
                    return InProcessWorker.start(directory, """
                            Endpoints:
                              dynamodb: http://127.0.0.1:%d
                            """.formatted(silent.getLocalPort()),
                            options -> options.withMappings(new StoreLocation.DynamoDbTable("esm4j-mappings")));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try {
                await().atMost(Duration.ofSeconds(30)).until(start::isDone);
                try (Worker worker = start.join()) {
                    assertThat(worker.registry().refreshProblem()).contains("esm4j-mappings");
                }
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
        }
    }

    private HttpResponse<String> get(Worker worker, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(worker.url().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

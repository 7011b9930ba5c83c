package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API while the worker is still starting a mapping, as Lambda answers while one is Creating: Get shows Creating, an
 * update is refused with ResourceInUseException (400) naming the mapping and its State; a delete is taken, since it
 * is the way out of a start that hangs (here a Java handler whose constructor waits).
 */
class StartingMappingApiTest {

    private static final String API = "/2015-03-31/event-source-mappings/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path directory;

    @AfterEach
    void releaseStart() {
        StuckStartHandler.release();
    }

    @Test
    void anUpdateWhileTheMappingIsStillCreatingIsRefusedAsInUseAndADeleteIsTaken() throws Exception {
        CountDownLatch starting = StuckStartHandler.reset();
        Worker worker = InProcessWorker.start(directory, """
                Endpoints:
                  sqs: http://127.0.0.1:1
                Functions:
                  held-fn:
                    Handler: %s
                """.formatted(StuckStartHandler.class.getName()),
                options -> options.withDrainTimeout(Duration.ofSeconds(1)));
        try {
            HttpResponse<String> created = send(worker, "POST", "", """
                    {"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:q", "FunctionName": "held-fn"}""");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
            String uuid = JSON.readTree(created.body()).path("UUID").asText();
            assertThat(starting.await(60, TimeUnit.SECONDS)).isTrue();

            assertThat(JSON.readTree(send(worker, "GET", uuid, null).body()).path("State").asText())
                    .isEqualTo("Creating");
            HttpResponse<String> update = send(worker, "PUT", uuid, "{\"BatchSize\": 5}");
            assertThat(update.statusCode()).isEqualTo(400);
            JsonNode error = JSON.readTree(update.body());
            assertThat(update.headers().firstValue("X-Amzn-ErrorType")).hasValue("ResourceInUseException");
            assertThat(error.path("Message").asText()).startsWith("Cannot update the event source mapping " + uuid
                    + " because it is in use: the worker is still starting it (State Creating).");

            HttpResponse<String> deleted = send(worker, "DELETE", uuid, null);
            assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(202);
            assertThat(JSON.readTree(deleted.body()).path("State").asText()).isEqualTo("Deleting");
            // The delete waits for the hung start at most the drain timeout, then the mapping is gone.
            await().atMost(Duration.ofSeconds(60)).until(() -> send(worker, "GET", uuid, null).statusCode() == 404);
        } finally {
            StuckStartHandler.release();
            worker.close();
        }
    }

    private HttpResponse<String> send(Worker worker, String method, String uuid, String body) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        return http.send(HttpRequest.newBuilder(worker.url().resolve(API + uuid)).method(method, publisher).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

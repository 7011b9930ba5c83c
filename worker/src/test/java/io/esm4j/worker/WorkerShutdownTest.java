package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.worker.http.Draining;
import io.esm4j.worker.mappings.MappingStore;
import io.esm4j.worker.state.StateStores;
import io.esm4j.worker.mappings.SourcePairs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop and the mapping API: a call already past the draining filter when the stop begins ends before the mappings
 * stop and the data directory is let go, so the mapping it creates is in {@code mappings.json} and drained with the
 * others, and nothing it writes can land after the lock went; a call arriving meanwhile gets 503.
 */
class WorkerShutdownTest {

    /** Source and function pairs as a worker in us-east-1 tells them apart. */
    private static final SourcePairs PAIRS = new SourcePairs("us-east-1");

    private static final String API = "/2015-03-31/event-source-mappings/";
    private static final StoreLocation HERE = new StoreLocation.DataDirectory();

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path directory;

    @AfterEach
    void releaseHeldCalls() {
        HeldConstructionHandler.release();
        StuckStartHandler.release();
    }

    /**
     * A mapping whose start hangs (its Java handler's constructor waits for a server that does not answer, deaf to
     * interrupts) does not hang the stop: the stop waits for it at most the drain timeout, then stops the rest and lets
     * the data directory go.
     */
    @Test
    void aStartThatHangsDoesNotHangTheStop() throws Exception {
        CountDownLatch starting = StuckStartHandler.reset();
        Worker worker = InProcessWorker.start(directory, """
                Endpoints:
                  sqs: http://127.0.0.1:1
                Functions:
                  stuck-fn:
                    Handler: %s
                EventSourceMappings:
                  - EventSourceArn: arn:aws:sqs:us-east-1:000000000000:q
                    FunctionName: stuck-fn
                """.formatted(StuckStartHandler.class.getName()),
                options -> options.withDrainTimeout(Duration.ofSeconds(1)));
        assertThat(starting.await(60, TimeUnit.SECONDS)).isTrue();

        Thread closing = Thread.ofPlatform().start(() -> {
            try {
                worker.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        closing.join(Duration.ofSeconds(60));

        assertThat(closing.isAlive()).as("the stop ended while the start still hangs").isFalse();
        try (StateStores next = StateStores.open(HERE, HERE, directory, null, PAIRS)) {
            assertThat(next.mappings().load()).isEmpty();
        }
    }

    @Test
    void aStopWaitsForAnApiCallInFlightBeforeItStopsTheMappingsAndLetsTheDataDirectoryGo() throws Exception {
        Worker worker = InProcessWorker.start(directory, """
                Endpoints:
                  sqs: http://127.0.0.1:1
                Functions:
                  held-fn:
                    Handler: %s
                """.formatted(HeldConstructionHandler.class.getName()));
        CountDownLatch inFlight = HeldConstructionHandler.holdNext();
        CompletableFuture<HttpResponse<String>> create = http.sendAsync(HttpRequest.newBuilder(
                        worker.url().resolve(API)).POST(HttpRequest.BodyPublishers.ofString("""
                        {"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:q", "FunctionName": "held-fn",
                         "Enabled": false}""")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(inFlight.await(60, TimeUnit.SECONDS)).isTrue();

        Thread closing = Thread.ofPlatform().start(() -> {
            try {
                worker.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        awaitEndedOrWaitingForApiCalls(closing);

        assertThat(closing.isAlive()).as("the stop waits for the API call in flight").isTrue();
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(worker.url().resolve(API)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThatThrownBy(() -> StateStores.open(HERE, HERE, directory, null, PAIRS)).isInstanceOf(IOException.class)
                .hasMessageContaining("is in use by another worker");

        HeldConstructionHandler.release();
        HttpResponse<String> created = create.get(60, TimeUnit.SECONDS);
        closing.join();
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String uuid = new ObjectMapper().readTree(created.body()).path("UUID").asText();
        assertThat(Files.readString(directory.resolve("mappings.json"))).contains(uuid);
        try (StateStores next = StateStores.open(HERE, HERE, directory, null, PAIRS)) {
            assertThat(next.mappings().load()).extracting(MappingStore.Stored::uuid).containsExactly(uuid);
        }
    }

    /**
     * Until the stopping thread has ended, or parks in {@link Draining} (waiting for the API calls); a stop that does
     * not wait for them ends instead.
     */
    private static void awaitEndedOrWaitingForApiCalls(Thread closing) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (closing.isAlive() && System.nanoTime() < deadline) {
            if (closing.getState() == Thread.State.TIMED_WAITING && Arrays.stream(closing.getStackTrace())
                    .anyMatch(frame -> frame.getClassName().equals(Draining.class.getName()))) {
                return;
            }
            Thread.onSpinWait();
        }
    }
}

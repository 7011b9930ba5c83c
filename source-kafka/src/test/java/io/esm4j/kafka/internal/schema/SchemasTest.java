package io.esm4j.kafka.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.kafka.internal.schema.FakeSchemaRegistry.Answer;
import io.esm4j.kafka.internal.schema.SchemaSource.Found;
import io.esm4j.kafka.internal.schema.SchemaSource.Lookup;
import io.esm4j.testsupport.LogCapture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SchemasTest {

    private static final FakeSchemaRegistry registry = start();
    private static final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger failuresTold = new AtomicInteger();
    private final Schemas schemas = new Schemas(new ConfluentRegistryClient(registry.uri(), null, null, http,
            Duration.ofSeconds(30)), Duration.ofMillis(10), Duration.ofMillis(40), failuresTold::incrementAndGet);

    private static FakeSchemaRegistry start() {
        try {
            return new FakeSchemaRegistry("");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        registry.close();
        http.close();
    }

    @Test
    void manyRecordsAskingForOneSchemaAtOnceMakeOneCallAndLaterOnesNone() {
        registry.answer(11, FakeSchemaRegistry.schema(null, "\"long\""));

        List<CompletableFuture<Lookup>> lookups = IntStream.range(0, 8).parallel()
                .mapToObj(i -> schemas.lookup("11")).toList();
        lookups.forEach(CompletableFuture::join);
        CompletableFuture<Lookup> later = schemas.lookup("11");

        assertThat(later).isDone();
        assertThat(later.join()).isEqualTo(new Found(new RegisteredSchema("11", SchemaFormat.AVRO, "\"long\"")));
        assertThat(registry.requests.stream().filter(request -> request.path().equals("/schemas/ids/11")))
                .hasSize(1);
    }

    @Test
    void aRegistryThatFailsIsAskedAgainUntilItAnswersAndTheFailuresAreCounted() {
        Answer down = new Answer(503, "{\"error_code\":50301,\"message\":\"Service unavailable\"}");
        registry.answer(12, down, down, down, FakeSchemaRegistry.schema("JSON", "{}"));

        Lookup lookup = schemas.lookup("12").join();

        assertThat(lookup).isEqualTo(new Found(new RegisteredSchema("12", SchemaFormat.JSON, "{}")));
        assertThat(failuresTold).hasValue(3);
        assertThat(schemas.lastFailure()).startsWith("schema 12: ").contains("HTTP 503", "Service unavailable");
    }

    /** Calls are retried on the HTTP client's and a timer's threads: the line names the mapping all the same. */
    @Test
    void aFailedCallIsLoggedWithTheMappingsName() {
        Answer down = new Answer(503, "{\"error_code\":50301,\"message\":\"Service unavailable\"}");
        registry.answer(13, down, FakeSchemaRegistry.schema("JSON", "{}"));
        Schemas named = new Schemas(new ConfluentRegistryClient(registry.uri(), null, null, http,
                Duration.ofSeconds(30)), Duration.ofMillis(10), Duration.ofMillis(40), () -> { },
                Schemas.AuthListener.NONE, "orders-to-billing");

        try (LogCapture log = new LogCapture(Schemas.class)) {
            named.lookup("13").join();
            assertThat(log.lines("WARN", "schema registry call failed")).singleElement().asString()
                    .contains("mapping=orders-to-billing", "schemaId=13");
        }
    }

    /** 401 and 403 refuse the credentials: told with Lambda's kind of message; a 503 is not; an answer accepts. */
    @Test
    void aRegistryRefusingTheCredentialsIsToldAsSuchAndItsNextAnswerAsAccepted() {
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        Schemas watched = new Schemas(new ConfluentRegistryClient(registry.uri(), "key", "secret-1", http,
                Duration.ofSeconds(30)), Duration.ofMillis(10), Duration.ofMillis(40), () -> { },
                new Schemas.AuthListener() {
                    @Override
                    public void refused(String message, String failure) {
                        told.add(message + " / " + failure);
                    }

                    @Override
                    public void accepted() {
                        told.add("accepted");
                    }
                });
        registry.answer(14, new Answer(401, "{\"error_code\":401,\"message\":\"Unauthorized\"}"),
                new Answer(503, "{}"), new Answer(403, "{\"error_code\":40301,\"message\":\"Forbidden\"}"),
                FakeSchemaRegistry.schema(null, "\"long\""));

        watched.lookup("14").join();

        assertThat(told).hasSize(3);
        assertThat(told.get(0)).startsWith("PROBLEM: Schema registry failed to authenticate Lambda. / schema 14: ")
                .contains("HTTP 401").doesNotContain("secret-1");
        assertThat(told.get(1)).startsWith("PROBLEM: Schema registry failed to authorize Lambda. / schema 14: ");
        assertThat(told.get(2)).isEqualTo("accepted");
    }

    @Test
    void closingFailsTheLookupsStillWaitingAndStopsRetrying() {
        registry.answer(13, new Answer(500, "{}"));
        CompletableFuture<Lookup> waiting = schemas.lookup("13");

        schemas.close();

        assertThatThrownBy(waiting::join).hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void idsThatNameNoSchemaAreNotKeptWithoutBound() {
        // Random bytes where a schema id belongs: every record names another id, and the registry has none of them.
        Schemas answering = new Schemas(id -> CompletableFuture.completedFuture(
                new SchemaSource.NotFound(id, "no schema " + id)), Duration.ofMillis(10), Duration.ofMillis(40),
                failuresTold::incrementAndGet);
        Found kept = new Found(new RegisteredSchema("7", SchemaFormat.AVRO, "\"long\""));
        Schemas mixed = new Schemas(id -> CompletableFuture.completedFuture(id.equals("7") ? kept
                : new SchemaSource.NotFound(id, "no schema " + id)), Duration.ofMillis(10), Duration.ofMillis(40),
                failuresTold::incrementAndGet);
        CompletableFuture<Lookup> found = mixed.lookup("7");

        for (int id = 1_000; id < 1_000 + 5 * Schemas.MAX_KEPT; id++) {
            assertThat(answering.lookup(Integer.toString(id)).join()).isInstanceOf(SchemaSource.NotFound.class);
            mixed.lookup(Integer.toString(id));
        }

        assertThat(answering.kept()).isLessThanOrEqualTo(Schemas.MAX_KEPT);
        assertThat(mixed.kept()).isLessThanOrEqualTo(Schemas.MAX_KEPT);
        // Answers that found nothing go first: the schema records use is still known.
        assertThat(mixed.lookup("7")).isSameAs(found);
    }

    @Test
    void theBackoffDoublesUpToItsBound() {
        assertThat(IntStream.rangeClosed(1, 5).mapToObj(schemas::backoff).toList()).containsExactly(
                Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(40),
                Duration.ofMillis(40));
        assertThat(schemas.backoff(1_000)).isEqualTo(Duration.ofMillis(40));
    }
}

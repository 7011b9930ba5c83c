package io.esm4j.kafka.internal.schema;

import io.esm4j.internal.MappingLogName;
import io.esm4j.kafka.KafkaAuthResults;
import io.esm4j.kafka.internal.schema.SchemaSource.Lookup;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schemas of one mapping's registry by id: each fetched once, by one call however many records ask for it at
 * once, and kept (an id never changes what it names), up to {@link #MAX_KEPT} ids. A call that fails is tried again
 * after a backoff that doubles up to a bound, for as long as the mapping runs, so a registry that is down stalls the
 * records that need it, never drops them; each failure is told to the caller's counter and the last one is kept for
 * the mapping's status.
 */
public final class Schemas implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Schemas.class);
    /** Schema ids kept at most; a mapping's records name a handful, so only garbage reaches it. */
    static final int MAX_KEPT = 1_000;

    private final @Nullable String mappingName;
    private final SchemaSource client;
    private final Duration firstRetry;
    private final Duration maxRetry;
    private final Runnable onFailure;
    private final AuthListener auth;
    private final ConcurrentHashMap<String, CompletableFuture<Lookup>> lookups = new ConcurrentHashMap<>();
    private final AtomicReference<@Nullable String> lastFailure = new AtomicReference<>();
    private volatile boolean closed;

    /**
     * Told whether the registry refuses the mapping's credentials: each call it refuses for them (HTTP 401 or 403, a
     * TLS alert against the client certificate), and each answer it gives (a schema or its absence). Called on the
     * registry client's threads; must not block.
     */
    public interface AuthListener {
        /** @param message Lambda's kind of message ({@code KafkaAuthResults}); {@code failure} what the call said */
        void refused(String message, String failure);

        void accepted();

        AuthListener NONE = new AuthListener() {
            @Override
            public void refused(String message, String failure) {
            }

            @Override
            public void accepted() {
            }
        };
    }

    /** @param onFailure told of each failed call (a metric); must not block */
    public Schemas(SchemaSource client, Duration firstRetry, Duration maxRetry, Runnable onFailure) {
        this(client, firstRetry, maxRetry, onFailure, AuthListener.NONE);
    }

    /** @param auth told of refused credentials and of answers, see {@link AuthListener} */
    public Schemas(SchemaSource client, Duration firstRetry, Duration maxRetry, Runnable onFailure,
                   AuthListener auth) {
        this(client, firstRetry, maxRetry, onFailure, auth, null);
    }

    /**
     * @param auth        told of refused credentials and of answers, see {@link AuthListener}
     * @param mappingName for the logs: calls are retried on the HTTP client's and a timer's threads, which do not
     *                    know the mapping
     */
    public Schemas(SchemaSource client, Duration firstRetry, Duration maxRetry, Runnable onFailure,
                   AuthListener auth, @Nullable String mappingName) {
        this.mappingName = mappingName;
        this.auth = Objects.requireNonNull(auth, "auth");
        this.client = Objects.requireNonNull(client, "client");
        this.firstRetry = Objects.requireNonNull(firstRetry, "firstRetry");
        this.maxRetry = Objects.requireNonNull(maxRetry, "maxRetry");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    }

    /**
     * The registry's answer about an id: done at once when it is known, else completed when a call gets it (on the
     * HTTP client's thread: callers hand the result on rather than work there). Fails only once closed.
     */
    public CompletableFuture<Lookup> lookup(String id) {
        CompletableFuture<Lookup> known = lookups.get(id);
        if (known != null) {
            return known;
        }
        CompletableFuture<Lookup> lookup = lookups.computeIfAbsent(id, this::fetchUntilAnswered);
        if (lookups.size() > MAX_KEPT) {
            forgetAnswers();
        }
        return lookup;
    }

    /** How many ids are kept (answered or on their way). */
    int kept() {
        return lookups.size();
    }

    /**
     * Down to three quarters of {@link #MAX_KEPT}: answers that found no schema first (what records with random bytes
     * where a schema id belongs leave behind, one per id), then any answer. Lookups on their way stay: records wait
     * for them. A forgotten id is simply asked again.
     */
    private void forgetAnswers() {
        int target = MAX_KEPT - MAX_KEPT / 4;
        forgetAnswers(target, lookup -> !(lookup instanceof SchemaSource.Found));
        forgetAnswers(target, lookup -> true);
    }

    private void forgetAnswers(int target, Predicate<Lookup> which) {
        Iterator<CompletableFuture<Lookup>> kept = lookups.values().iterator();
        while (lookups.size() > target && kept.hasNext()) {
            CompletableFuture<Lookup> lookup = kept.next();
            if (lookup.isDone() && !lookup.isCompletedExceptionally() && which.test(lookup.join())) {
                kept.remove();
            }
        }
    }

    /** What the last failed call said, or null if none failed. */
    public @Nullable String lastFailure() {
        return lastFailure.get();
    }

    /** Stops retrying; lookups still waiting fail. */
    @Override
    public void close() {
        closed = true;
        lookups.values().forEach(lookup -> lookup.completeExceptionally(new IllegalStateException(
                "The schema lookups of this mapping are closed.")));
    }

    private CompletableFuture<Lookup> fetchUntilAnswered(String id) {
        CompletableFuture<Lookup> answer = new CompletableFuture<>();
        attempt(id, answer, 1);
        return answer;
    }

    private void attempt(String id, CompletableFuture<Lookup> answer, int attempt) {
        if (closed || answer.isDone()) {
            return;
        }
        CompletableFuture<Lookup> call;
        try {
            call = client.fetch(id);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((lookup, error) -> {
            if (error == null) {
                auth.accepted();
                answer.complete(lookup);
                return;
            }
            Throwable cause = error.getCause() != null ? error.getCause() : error;
            String failure = "schema " + id + ": " + cause;
            lastFailure.set(failure);
            onFailure.run();
            KafkaAuthResults.ofSchemaRegistryFailure(httpStatus(cause), cause)
                    .ifPresent(message -> auth.refused(message, failure));
            Duration delay = backoff(attempt);
            MappingLogName.named(LOG.atWarn(), mappingName).addKeyValue("schemaId", id).addKeyValue("attempt", attempt)
                    .addKeyValue("retryInMillis", delay.toMillis()).setCause(cause)
                    .log("schema registry call failed; the records that need this schema wait for it");
            CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> attempt(id, answer, attempt + 1));
        });
    }

    /** The HTTP status of the registry's answer that failed the call, or -1. */
    private static int httpStatus(Throwable cause) {
        for (Throwable e = cause; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof SchemaSource.RegistryFailure failure) {
                return failure.httpStatus();
            }
        }
        return -1;
    }

    /** The first retry's delay, doubled for each attempt since, at most the bound. */
    Duration backoff(int attempt) {
        long millis = firstRetry.toMillis() << Math.min(attempt - 1, 30);
        return millis <= 0 || millis > maxRetry.toMillis() ? maxRetry : Duration.ofMillis(millis);
    }
}

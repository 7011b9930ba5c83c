package io.esm4j.worker.invoke;

import io.esm4j.handler.FunctionErrorException;
import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.worker.config.FunctionSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * A plain HTTP target: POSTs the event JSON to a URL; a 2xx response body is the function's response (read as a
 * Lambda response, e.g. {@code {"batchItemFailures":[...]}}).
 *
 * <p>Here the server is the function, so a status is its own answer, with two exceptions that say it was not
 * reached: 429 (too many requests) and 503 (unavailable), which a function, a gateway or a load balancer in front of
 * it answers without running it. Those, and a connection that cannot be made, are retried with backoff until the
 * target's timeout and then end in {@link FunctionNotInvokedException}, which the engine retries without using up
 * MaximumRetryAttempts, as Lambda does for throttles. Any other status (a 500 included: the function failed), and a
 * body over Lambda's 6 MB response limit, is a function error at once: retrying it here would run the function again
 * behind the engine's back.
 *
 * <p>User info in the URL ({@code https://user:password@host/path}) is sent as HTTP Basic authentication, as curl
 * sends it; the JDK's client would drop it without a word. Errors and {@link #toString()} name the URL without its
 * query or user info, which may hold a token.
 */
public final class HttpUrlTarget implements Invoker.Json {

    private final HttpClient client;
    private final URI url;
    private final String name;
    private final Duration timeout;
    private final Backoff backoff;
    private final @Nullable String authorization;

    public HttpUrlTarget(HttpClient client, URI url, Duration timeout) {
        this(client, url, timeout, Backoff.DEFAULT);
    }

    HttpUrlTarget(HttpClient client, URI url, Duration timeout, Backoff backoff) {
        this.client = client;
        this.url = url;
        this.name = "HTTP target " + FunctionSpec.shownUrl(url);
        this.timeout = timeout;
        this.backoff = backoff;
        // getUserInfo decodes %-escapes, so a password may hold ':' or '@' written as %3A and %40.
        this.authorization = url.getUserInfo() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                url.getUserInfo().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Response invoke(String event) throws Exception {
        HttpCalls.Reply reply = HttpCalls.send(client, left -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(url)
                    .timeout(left)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(event));
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            return request.build();
        }, timeout, backoff, HttpUrlTarget::notReached, name);
        if (reply.status() / 100 == 2) {
            // A plain URL has no Lambda response headers: failure records keep the in-process default.
            return Response.of(reply.body());
        }
        if (notReached(reply)) {
            throw HttpCalls.retriedUntilTimeout(name + " answered status " + reply.status(), timeout);
        }
        throw new FunctionErrorException(name + " answered status " + reply.status());
    }

    private static boolean notReached(HttpCalls.Reply reply) {
        return reply.status() == 429 || reply.status() == 503;
    }

    @Override
    public String toString() {
        return "HTTP " + FunctionSpec.shownUrl(url);
    }
}

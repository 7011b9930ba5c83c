package io.esm4j.worker.invoke;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;

/**
 * A plain HTTP target: POSTs the event JSON to a URL; a 2xx response body is the function's response (read as a
 * Lambda response, e.g. {@code {"batchItemFailures":[...]}}). 429 and 5xx are retried with backoff until the
 * target's timeout; any other status, and a body over Lambda's 6 MB response limit, is a function error.
 */
public final class HttpUrlTarget implements Invoker.Json {

    private final HttpClient client;
    private final URI url;
    private final Duration timeout;
    private final Backoff backoff;

    public HttpUrlTarget(HttpClient client, URI url, Duration timeout) {
        this(client, url, timeout, Backoff.DEFAULT);
    }

    HttpUrlTarget(HttpClient client, URI url, Duration timeout, Backoff backoff) {
        this.client = client;
        this.url = url;
        this.timeout = timeout;
        this.backoff = backoff;
    }

    @Override
    public String invoke(String event) throws Exception {
        HttpCalls.Reply reply = HttpCalls.send(client, left -> HttpRequest.newBuilder(url)
                .timeout(left)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(event))
                .build(), timeout, backoff, "HTTP target " + url);
        if (reply.status() / 100 != 2) {
            throw new FunctionErrorException("HTTP target " + url + " answered status " + reply.status());
        }
        return reply.body();
    }

    @Override
    public String toString() {
        return "HTTP " + url;
    }
}

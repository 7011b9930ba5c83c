package io.esm4j.worker.invoke;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A plain HTTP target: POSTs the event JSON to a URL; a 2xx response body is the function's response (read as a
 * Lambda response, e.g. {@code {"batchItemFailures":[...]}}). 429 and 5xx are retried with backoff until the
 * target's timeout; any other status is a function error.
 */
public final class HttpUrlTarget implements Invoker.Json {

    private final HttpClient client;
    private final URI url;
    private final Duration timeout;

    public HttpUrlTarget(HttpClient client, URI url, Duration timeout) {
        this.client = client;
        this.url = url;
        this.timeout = timeout;
    }

    @Override
    public String invoke(String event) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(event))
                .build();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (attempt >= 10) {
                    throw e;
                }
                Backoff.pause(attempt);
                continue;
            }
            int status = response.statusCode();
            if (status / 100 == 2) {
                return response.body();
            }
            if (!Backoff.retryable(status) || attempt >= 10) {
                throw new FunctionErrorException("HTTP target " + url + " answered status " + status);
            }
            Backoff.pause(attempt);
        }
    }

    @Override
    public String toString() {
        return "HTTP " + url;
    }
}

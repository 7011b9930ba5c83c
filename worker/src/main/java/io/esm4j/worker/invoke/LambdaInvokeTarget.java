package io.esm4j.worker.invoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.worker.aws.AwsSigning;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * Lambda's Invoke API ({@code POST /2015-03-31/functions/{name}/invocations}, RequestResponse), as real Lambda,
 * LocalStack and the Lambda Runtime Interface Emulator serve it, on the JDK's HTTP client with SigV4 signing.
 *
 * <p>A 200 with {@code X-Amz-Function-Error} is a function error (the whole batch failed); 429 and 5xx (throttling,
 * service errors) are retried with backoff until the target's timeout; any other status is an invoke failure. Only
 * the error type of a failed response is kept, never its payload.
 */
public final class LambdaInvokeTarget implements Invoker.Json {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final URI uri;
    private final Duration timeout;
    private final @Nullable AwsCredentialsProvider credentials;
    private final String region;

    /**
     * @param endpoint    the Lambda endpoint, e.g. {@code https://lambda.eu-west-1.amazonaws.com} or a local one
     * @param function    the function's name, ARN or partial ARN, optionally with {@code :qualifier}
     * @param credentials for SigV4; null sends unsigned requests (the Runtime Interface Emulator needs none)
     */
    public LambdaInvokeTarget(HttpClient client, URI endpoint, String function, Duration timeout,
                              @Nullable AwsCredentialsProvider credentials, String region) {
        this.client = client;
        String base = endpoint.toString().replaceAll("/+$", "");
        this.uri = URI.create(base + "/2015-03-31/functions/"
                + URLEncoder.encode(function, StandardCharsets.UTF_8) + "/invocations");
        this.timeout = timeout;
        this.credentials = credentials;
        this.region = region;
    }

    @Override
    public String invoke(String event) throws Exception {
        byte[] body = event.getBytes(StandardCharsets.UTF_8);
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response;
            try {
                response = client.send(request(body), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (attempt >= 10) {
                    throw e;
                }
                Backoff.pause(attempt);
                continue;
            }
            int status = response.statusCode();
            Optional<String> functionError = response.headers().firstValue("X-Amz-Function-Error");
            if (status / 100 == 2 && functionError.isPresent()) {
                throw new FunctionErrorException("function " + uri.getPath() + " failed (" + functionError.get()
                        + (errorType(response.body()) == null ? "" : ", errorType " + errorType(response.body()))
                        + ")");
            }
            if (status / 100 == 2) {
                return response.body();
            }
            if (!Backoff.retryable(status) || attempt >= 10) {
                throw new FunctionErrorException("Lambda Invoke " + uri.getPath() + " answered status " + status
                        + response.headers().firstValue("x-amzn-ErrorType").map(t -> " " + t).orElse(""));
            }
            Backoff.pause(attempt);
        }
    }

    private HttpRequest request(byte[] body) {
        return AwsSigning.request(SdkHttpMethod.POST, uri, body, Map.of("Content-Type", List.of("application/json"),
                        "X-Amz-Invocation-Type", List.of("RequestResponse")), AwsSigning.identity(credentials),
                "lambda", region, timeout);
    }

    private static @Nullable String errorType(String body) {
        try {
            JsonNode error = JSON.readTree(body);
            return error != null && error.path("errorType").isTextual() ? error.get("errorType").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "Lambda " + uri;
    }
}

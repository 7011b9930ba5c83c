package io.esm4j.worker.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.worker.aws.AwsSigning;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The AWS calls a mapping makes at its start whose SDK modules are not among the worker's dependencies (Secrets
 * Manager, MSK): SigV4-signed JSON on the JDK's HTTP client. Errors name the call, the endpoint, the status and
 * AWS's error type, never the answer's body (a secret's value may be in it). One is made for the calls of one
 * mapping start and closed after them.
 */
final class AwsJsonApi implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** An AWS error type's name, e.g. AccessDeniedException; anything else in its place is left out of errors. */
    private static final Pattern ERROR_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.]{0,99}");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final AwsCredentialsProvider credentials;

    AwsJsonApi(AwsCredentialsProvider credentials) {
        this.credentials = credentials;
    }

    /**
     * The answer of a call that succeeded (status 200) as JSON; {@code what} says what it was for, e.g.
     * "read secret arn:...", in the message of the exception otherwise.
     */
    JsonNode call(String what, SdkHttpMethod method, URI uri, byte[] body, Map<String, List<String>> headers,
                  String service, String region) throws IOException, InterruptedException {
        AwsCredentialsIdentity identity;
        try {
            identity = AwsSigning.identity(credentials);
        } catch (AwsSigning.CredentialsException e) {
            throw new IllegalStateException("cannot " + what + ": " + e.getMessage());
        }
        if (identity == null) {
            throw new IllegalStateException("cannot " + what + ": no AWS credentials resolve");
        }
        HttpResponse<byte[]> response = http.send(AwsSigning.request(method, uri, body, headers, identity, service,
                region, TIMEOUT), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            String type = response.headers().firstValue("x-amzn-ErrorType").orElseGet(() -> bodyErrorType(response));
            String name = type == null ? "" : type.split(":", 2)[0].replaceFirst("^.*#", "");
            throw new IllegalStateException("cannot " + what + ": " + service + " at " + uri + " answered status "
                    + response.statusCode() + (ERROR_NAME.matcher(name).matches() ? " " + name : ""));
        }
        try {
            JsonNode answer = JSON.readTree(response.body());
            if (answer == null || !answer.isObject()) {
                throw new IOException("not an object");
            }
            return answer;
        } catch (IOException e) {
            // Not Jackson's message: it quotes the input, which may be a secret.
            throw new IllegalStateException("cannot " + what + ": the answer of " + service + " at " + uri
                    + " is not a JSON object");
        }
    }

    /**
     * The error type in an error answer's {@code __type}, where JSON 1.1 services such as Secrets Manager put it
     * (they send no {@code x-amzn-ErrorType} header), e.g. {@code com.amazon.AWSMimirService#AccessDeniedException};
     * null if there is none. Only its name reaches the message (ERROR_NAME), never the rest of the body.
     */
    private static @Nullable String bodyErrorType(HttpResponse<byte[]> response) {
        try {
            JsonNode type = JSON.readTree(response.body()).get("__type");
            return type != null && type.isTextual() ? type.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}

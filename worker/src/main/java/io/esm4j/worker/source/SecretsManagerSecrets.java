package io.esm4j.worker.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.worker.aws.AwsSigning;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Secrets Manager's GetSecretValue on the JDK's HTTP client with SigV4 (the SDK's {@code secretsmanager} module is
 * not among the worker's dependencies): the {@code SecretString} of a secret, by ARN. The endpoint is the
 * {@code secretsmanager} override if there is one, else the secret's region's. Neither errors nor logs carry the
 * secret's value. One is made for the reads of one mapping start and closed after them.
 */
final class SecretsManagerSecrets implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final @Nullable URI endpointOverride;
    private final AwsCredentialsProvider credentials;

    SecretsManagerSecrets(@Nullable URI endpointOverride, AwsCredentialsProvider credentials) {
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        this.endpointOverride = endpointOverride;
        this.credentials = credentials;
    }

    /** The secret's {@code SecretString}; an exception naming the ARN and what went wrong otherwise. */
    String secretString(String arn) throws IOException, InterruptedException {
        String region = arn.split(":", 6)[3];
        URI endpoint = endpointOverride != null ? endpointOverride
                : URI.create("https://secretsmanager." + region + ".amazonaws.com/");
        byte[] body = JSON.writeValueAsBytes(Map.of("SecretId", arn));
        Map<String, List<String>> headers = Map.of("Content-Type", List.of("application/x-amz-json-1.1"),
                "X-Amz-Target", List.of("secretsmanager.GetSecretValue"));
        AwsCredentialsIdentity identity = AwsSigning.identity(credentials);
        if (identity == null) {
            throw new IllegalStateException("cannot read secret " + arn + ": no AWS credentials resolve");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        AwsSigning.signPost(endpoint, body, headers, identity, "secretsmanager", region).forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host") && !name.equalsIgnoreCase("content-length")) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("cannot read secret " + arn + ": Secrets Manager at " + endpoint
                    + " answered status " + response.statusCode() + response.headers().firstValue("x-amzn-ErrorType")
                    .map(type -> " " + type).orElse(""));
        }
        JsonNode secret;
        try {
            secret = JSON.readTree(response.body());
        } catch (IOException e) {
            // Jackson's message quotes the input, which is the secret.
            throw new IllegalStateException("cannot read secret " + arn + ": the answer is not JSON");
        }
        if (secret == null || !secret.path("SecretString").isTextual()) {
            throw new IllegalStateException("cannot read secret " + arn + ": it has no SecretString (a binary "
                    + "secret cannot hold Kafka credentials)");
        }
        return secret.get("SecretString").asText();
    }

    @Override
    public void close() {
        http.close();
    }
}

package io.esm4j.worker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.esm4j.worker.Worker;
import io.esm4j.worker.WorkerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.LambdaException;

/**
 * The optional SigV4 authentication of Lambda's mapping API, with the AWS SDK's own LambdaClient signing the calls:
 * the configured key passes (query strings and bodies included), a wrong secret, an unknown key, an unsigned call
 * and an old signature are refused with Lambda's error codes.
 */
class ApiAuthenticationTest {

    private static final AwsCredentialsProvider GOOD = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIDWORKERTEST", "s3cr3t/with+signs"));
    private static final Map<String, String> KEYS = Map.of("AKIDWORKERTEST", "s3cr3t/with+signs");

    private final List<AutoCloseable> opened = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    @TempDir
    Path directory;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
    }

    /** An API endpoint behind the filter whose handler answers an empty list and records the bodies it gets. */
    private URI server(Clock clock) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext(MappingsApi.PATH, exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                bodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                byte[] body = (exchange.getRequestMethod().equals("POST") ? "{\"UUID\":\"u-1\"}"
                        : "{\"EventSourceMappings\":[]}").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(exchange.getRequestMethod().equals("POST") ? 202 : 200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }).getFilters().add(new ApiAuthentication(KEYS, clock));
        server.start();
        opened.add(() -> server.stop(0));
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private LambdaClient lambda(URI endpoint, AwsCredentialsProvider credentials) {
        LambdaClient client = LambdaClient.builder().endpointOverride(endpoint).region(Region.EU_WEST_1)
                .credentialsProvider(credentials).build();
        opened.add(client);
        return client;
    }

    private static String errorCode(Throwable error) {
        LambdaException lambda = (LambdaException) error;
        assertThat(lambda.statusCode()).isEqualTo(403);
        return lambda.awsErrorDetails().errorCode();
    }

    @Test
    void callsSignedWithAConfiguredKeyPass() throws Exception {
        LambdaClient lambda = lambda(server(Clock.systemUTC()), GOOD);

        assertThat(lambda.listEventSourceMappings(r -> r.functionName(
                "arn:aws:lambda:eu-west-1:123456789012:function:my fn").maxItems(5)).eventSourceMappings()).isEmpty();
        assertThat(lambda.createEventSourceMapping(r -> r.functionName("f")
                .eventSourceArn("arn:aws:sqs:eu-west-1:123456789012:q")).uuid()).isEqualTo("u-1");
        assertThat(bodies.getLast()).contains("\"EventSourceArn\":\"arn:aws:sqs:eu-west-1:123456789012:q\"");
    }

    @Test
    void otherCallsAreRefusedWithLambdasErrorCodes() throws Exception {
        URI endpoint = server(Clock.systemUTC());

        assertThatThrownBy(() -> lambda(endpoint, StaticCredentialsProvider.create(AwsBasicCredentials.create(
                "AKIDWORKERTEST", "wrong"))).listEventSourceMappings())
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("InvalidSignatureException"));
        assertThatThrownBy(() -> lambda(endpoint, StaticCredentialsProvider.create(AwsBasicCredentials.create(
                "AKIDOTHER", "s3cr3t/with+signs"))).listEventSourceMappings())
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("UnrecognizedClientException"));
        assertThatThrownBy(() -> lambda(endpoint, AnonymousCredentialsProvider.create()).listEventSourceMappings())
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("MissingAuthenticationTokenException"));
        assertThat(bodies).isEmpty();
    }

    @Test
    void aSignatureFromLongAgoIsRefused() throws Exception {
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofMinutes(16)), ZoneOffset.UTC);

        assertThatThrownBy(() -> lambda(server(later), GOOD).listEventSourceMappings())
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("InvalidSignatureException"))
                .hasMessageContaining("Signature expired");
    }

    @Test
    void theWorkerProtectsItsApiButNotItsHealthWithApiKeys() throws Exception {
        Path keys = directory.resolve("api-keys");
        Files.writeString(keys, "# the CI's key\nAKIDWORKERTEST:s3cr3t/with+signs\n");
        Worker worker = Worker.start(WorkerOptions.defaults().withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, GOOD).withApiKeys(keys));
        opened.add(worker);

        assertThat(lambda(worker.url(), GOOD).listEventSourceMappings().eventSourceMappings()).isEmpty();
        assertThatThrownBy(() -> lambda(worker.url(), AnonymousCredentialsProvider.create())
                .listEventSourceMappings())
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("MissingAuthenticationTokenException"));
        try (HttpClient http = HttpClient.newHttpClient()) {
            assertThat(http.send(HttpRequest.newBuilder(worker.url().resolve("/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aKeysFileWithoutKeysIsAnError() throws Exception {
        Path keys = directory.resolve("bad-keys");
        Files.writeString(keys, "AKIDONLY\n");

        assertThatThrownBy(() -> ApiAuthentication.fromFile(keys)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid value for --api-keys: line 1 of " + keys
                        + ". Expected ACCESS_KEY_ID:SECRET_ACCESS_KEY.");
    }
}

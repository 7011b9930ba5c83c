package io.esm4j.worker.invoke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.FunctionSpec.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * What Lambda checks of a signed Invoke: the signature's region, its date and the session token. A server on
 * loopback plays Lambda; as the proxy of the worker's HTTP client it also stands in for AWS's own hosts
 * ({@code http://lambda.eu-west-1.amazonaws.com}), which the request names in its first line.
 */
class LambdaSigningTest {

    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret"));
    private static final List<Map<String, List<String>>> HEADERS = new CopyOnWriteArrayList<>();
    private static final List<URI> URIS = new CopyOnWriteArrayList<>();
    /** How far the server's clock is ahead of the worker's: it refuses signatures more than 5 minutes off its own. */
    private static volatile Duration serverAhead = Duration.ZERO;
    /** Lambda's stand-in; a function named {@code status-<code>} gets that status. */
    private static ServerSocket server;
    private static HttpClient proxied;

    @BeforeAll
    static void startServer() throws IOException {
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("lambda-stand-in").start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket connection = server.accept();
                    Thread.ofVirtual().start(() -> answer(connection));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
        proxied = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of((InetSocketAddress) server.getLocalSocketAddress())).build();
    }

    @AfterAll
    static void stopServer() throws IOException {
        server.close();
    }

    @BeforeEach
    void reset() {
        HEADERS.clear();
        URIS.clear();
        serverAhead = Duration.ZERO;
    }

    /**
     * One request per connection, read and answered by hand: the JDK's HttpServer sets every answer's {@code Date}
     * itself, and the date is what this test's Lambda must be able to put off.
     */
    private static void answer(Socket connection) {
        try (connection) {
            InputStream in = connection.getInputStream();
            String[] requestLine = line(in).split(" ");
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.computeIfAbsent(header.substring(0, colon).trim(), name -> new ArrayList<>())
                        .add(header.substring(colon + 1).trim());
            }
            in.readNBytes(Integer.parseInt(headers.getOrDefault("Content-Length", List.of("0")).getFirst()));
            URI uri = URI.create(requestLine[1]);
            URIS.add(uri);
            HEADERS.add(headers);
            Instant now = Instant.now().plus(serverAhead);
            List<String> signedAt = headers.get("X-Amz-Date");
            int status = 200;
            String body = "{}";
            String errorType = "";
            if (uri.getRawPath().contains("/status-")) {
                status = Integer.parseInt(uri.getRawPath().replaceAll(".*/status-(\\d+)/.*", "$1"));
                body = "{\"Type\":\"User\",\"message\":\"no\"}";
            } else if (signedAt != null && Duration.between(LocalDateTime.parse(signedAt.getFirst(), AMZ_DATE)
                    .toInstant(ZoneOffset.UTC), now).abs().compareTo(Duration.ofMinutes(5)) > 0) {
                status = 403;
                body = "{\"message\":\"Signature expired\"}";
                errorType = "x-amzn-ErrorType: InvalidSignatureException\r\n";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = connection.getOutputStream();
            out.write(("HTTP/1.1 " + status + " X\r\nDate: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    now.atOffset(ZoneOffset.UTC)) + "\r\nx-amzn-RequestId: 5f3e1c1a-0000-4000-8000-000000000000\r\n"
                    + errorType + "Content-Type: application/json\r\nContent-Length: " + bytes.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
        } catch (IOException | RuntimeException e) {
            // The client sees the connection end; the test then fails on its answer.
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static URI base() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    private static FunctionSpec lambda(String function, URI endpoint) {
        return new FunctionSpec("billing", Kind.LAMBDA, function, endpoint, Duration.ofSeconds(30), 10,
                HandlerThreads.VIRTUAL);
    }

    private static String scope() {
        String authorization = HEADERS.getLast().get("Authorization").getFirst();
        return authorization.replaceAll(".*Credential=AKID/\\d{8}/([^,]+),.*", "$1");
    }

    /** The README's example: a worker of us-east-1 invoking eu-west-1's billing at eu-west-1's endpoint. */
    @Test
    void anAwsEndpointOfAnotherRegionIsSignedForItsRegion() throws Exception {
        Targets targets = new Targets(proxied, CREDENTIALS, "us-east-1");

        Invoker.Json byArn = (Invoker.Json) targets.invoker(lambda(
                "arn:aws:lambda:eu-west-1:123456789012:function:billing",
                URI.create("http://lambda.eu-west-1.amazonaws.com")));
        assertThat(byArn.invoke("{}").body()).isEqualTo("{}");
        assertThat(URIS.getLast().getHost()).isEqualTo("lambda.eu-west-1.amazonaws.com");
        assertThat(scope()).isEqualTo("eu-west-1/lambda/aws4_request");

        Invoker.Json byName = (Invoker.Json) targets.invoker(lambda("billing",
                URI.create("http://lambda.eu-west-1.amazonaws.com")));
        assertThat(byName.invoke("{}").body()).isEqualTo("{}");
        assertThat(scope()).isEqualTo("eu-west-1/lambda/aws4_request");
    }

    @Test
    void theSigningRegionIsTheAwsEndpointsElseTheFunctionArnsElseTheWorkers() {
        String arn = "arn:aws:lambda:ap-southeast-2:123456789012:function:billing:live";
        assertThat(Targets.signingRegion(URI.create("https://lambda.eu-west-1.amazonaws.com"), "billing",
                "us-east-1")).isEqualTo("eu-west-1");
        assertThat(Targets.signingRegion(URI.create("https://lambda-fips.us-gov-west-1.amazonaws.com"), "billing",
                "us-east-1")).isEqualTo("us-gov-west-1");
        assertThat(Targets.signingRegion(URI.create("https://lambda.cn-north-1.amazonaws.com.cn"), "billing",
                "us-east-1")).isEqualTo("cn-north-1");
        assertThat(Targets.signingRegion(URI.create("https://lambda.eu-central-1.api.aws"), "billing",
                "us-east-1")).isEqualTo("eu-central-1");
        assertThat(Targets.signingRegion(URI.create(
                "https://vpce-0a1b2c3d-abcd1234.lambda.eu-west-3.vpce.amazonaws.com"), "billing", "us-east-1"))
                .isEqualTo("eu-west-3");
        assertThat(Targets.signingRegion(URI.create("http://localhost:4566"), arn, "us-east-1"))
                .isEqualTo("ap-southeast-2");
        assertThat(Targets.signingRegion(URI.create("http://localhost:4566"), "123456789012:function:billing",
                "us-east-1")).isEqualTo("us-east-1");
    }

    /** Without an endpoint of its own, a function ARN is invoked at its own region's Lambda, which knows it. */
    @Test
    void aFunctionArnWithoutAnEndpointIsInvokedInItsRegion() {
        Targets targets = new Targets(proxied, CREDENTIALS, "us-east-1");

        assertThat(targets.invoker(lambda("arn:aws:lambda:eu-west-1:123456789012:function:billing", null)))
                .hasToString("Lambda https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/"
                        + "arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Abilling/invocations");
        assertThat(targets.invoker(lambda("billing", null))).hasToString(
                "Lambda https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/billing/invocations");
    }

    /** A worker whose clock drifted 20 minutes: Lambda refuses its first signature, then takes it at its time. */
    @Test
    void aSignatureRefusedForTheWorkersClockIsSignedAgainAtTheEndpointsTime() throws Exception {
        serverAhead = Duration.ofMinutes(20);
        LambdaInvokeTarget target = new LambdaInvokeTarget(proxied, base(), "orders", Duration.ofSeconds(30),
                CREDENTIALS, "us-east-1");

        assertThat(target.invoke("{}").body()).isEqualTo("{}");
        assertThat(HEADERS).hasSize(2);
        assertThat(target.invoke("{}").body()).as("the correction is kept").isEqualTo("{}");
        assertThat(HEADERS).hasSize(3);
    }

    /** A refusal dated at the worker's own time is not a clock's: not retried, the function not invoked. */
    @Test
    void aRefusalAtTheWorkersTimeIsNotRetried() {
        LambdaInvokeTarget target = new LambdaInvokeTarget(proxied, base(), "status-403", Duration.ofSeconds(30),
                CREDENTIALS, "us-east-1");

        assertThatThrownBy(() -> target.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("status 403");
        assertThat(HEADERS).hasSize(1);
    }

    /**
     * 408 is Lambda's EFSMountTimeoutException, EFSMountConnectivityException and SnapStartTimeoutException: the
     * function's file system or snapshot was not ready, and its code never ran.
     */
    @Test
    void aFileSystemOrSnapshotNotReadyInTimeIsNotInvoked() {
        LambdaInvokeTarget target = new LambdaInvokeTarget(proxied, base(), "status-408", Duration.ofSeconds(30),
                CREDENTIALS, "us-east-1");

        assertThatThrownBy(() -> target.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("status 408");
        assertThat(HEADERS).hasSize(1);
    }

    @Test
    void temporaryCredentialsSendTheirSessionToken() throws Exception {
        LambdaInvokeTarget target = new LambdaInvokeTarget(proxied, base(), "orders", Duration.ofSeconds(30),
                StaticCredentialsProvider.create(AwsSessionCredentials.create("AKID", "secret", "token-1")),
                "us-east-1");

        target.invoke("{}");

        assertThat(HEADERS.getLast().get("X-amz-security-token")).containsExactly("token-1");
        assertThat(HEADERS.getLast().get("Authorization").getFirst()).contains("x-amz-security-token");
    }
}

package io.esm4j.worker.invoke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.FunctionErrorException;
import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.FunctionSpec.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** The HTTP targets against a scripted server on loopback, and the limits around any target. */
class TargetsTest {

    /** Responses the server gives per path, in order; the last one repeats. */
    private static final Map<String, List<Reply>> SCRIPT = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
    private static final List<Map<String, List<String>>> HEADERS = new CopyOnWriteArrayList<>();
    private static final List<String> PATHS = new CopyOnWriteArrayList<>();
    private static final Backoff QUICK = new Backoff(Duration.ofMillis(20), Duration.ofMillis(20));
    private static HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    record Reply(int status, String body, Map<String, String> headers) {}

    @BeforeAll
    static void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", TargetsTest::answer);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    @AfterAll
    static void stopServer() {
        server.stop(0);
    }

    @BeforeEach
    void reset() {
        SCRIPT.clear();
        CALLS.clear();
        HEADERS.clear();
        PATHS.clear();
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            exchange.getRequestBody().readAllBytes();
            PATHS.add(path);
            HEADERS.add(Map.copyOf(exchange.getRequestHeaders()));
            List<Reply> replies = SCRIPT.getOrDefault(path, List.of(new Reply(404, "", Map.of())));
            int call = CALLS.computeIfAbsent(path, p -> new AtomicInteger()).getAndIncrement();
            Reply reply = replies.get(Math.min(call, replies.size() - 1));
            reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private static URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void httpTargetReturnsTheBodyAndRetriesServerErrorsAndThrottling() throws Exception {
        SCRIPT.put("/fn", List.of(new Reply(503, "", Map.of()), new Reply(429, "", Map.of()),
                new Reply(200, "{\"batchItemFailures\":[]}", Map.of())));
        HttpUrlTarget target = new HttpUrlTarget(http, base().resolve("/fn"), Duration.ofSeconds(30));

        assertThat(target.invoke("{\"Records\":[]}").body()).isEqualTo("{\"batchItemFailures\":[]}");
        assertThat(CALLS.get("/fn").get()).isEqualTo(3);
        assertThat(HEADERS.get(0).get("Content-type")).containsExactly("application/json");
    }

    /** The JDK's client drops a URL's user info; curl sends it as Basic authentication, and so does the worker. */
    @Test
    void httpTargetSendsTheUrlsUserInfoAsBasicAuthentication() throws Exception {
        SCRIPT.put("/fn", List.of(new Reply(200, "", Map.of())));
        URI url = URI.create("http://svc%40example:p%3Ass@127.0.0.1:" + server.getAddress().getPort() + "/fn");
        HttpUrlTarget target = new HttpUrlTarget(http, url, Duration.ofSeconds(30));

        target.invoke("{}");

        assertThat(HEADERS.get(0).get("Authorization")).containsExactly("Basic " + java.util.Base64.getEncoder()
                .encodeToString("svc@example:p:ss".getBytes(StandardCharsets.UTF_8)));
        assertThat(target).hasToString("HTTP http://...@127.0.0.1:" + server.getAddress().getPort() + "/fn");
        new HttpUrlTarget(http, base().resolve("/fn"), Duration.ofSeconds(30)).invoke("{}");
        assertThat(HEADERS.get(1)).doesNotContainKey("Authorization");
    }

    @Test
    void httpTargetTreatsOtherStatusesAsFunctionErrors() {
        SCRIPT.put("/bad", List.of(new Reply(400, "secret payload", Map.of())));
        HttpUrlTarget target = new HttpUrlTarget(http, base().resolve("/bad"), Duration.ofSeconds(30));

        assertThatThrownBy(() -> target.invoke("{}"))
                .isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining("status 400")
                .hasMessageNotContaining("secret payload");
        assertThat(CALLS.get("/bad").get()).isEqualTo(1);
    }

    @Test
    void lambdaTargetPostsToTheInvokePathSignedAndRetriesThrottling() throws Exception {
        String path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aorders/"
                + "invocations";
        SCRIPT.put(path, List.of(new Reply(429, "{\"Type\":\"User\"}",
                        Map.of("x-amzn-ErrorType", "TooManyRequestsException")),
                new Reply(500, "", Map.of()), new Reply(200, "{\"batchItemFailures\":[]}", Map.of())));
        LambdaInvokeTarget target = new LambdaInvokeTarget(http, base(),
                "arn:aws:lambda:us-east-1:000000000000:function:orders", Duration.ofSeconds(30),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")), "us-east-1");

        assertThat(target.invoke("{\"Records\":[]}").body()).isEqualTo("{\"batchItemFailures\":[]}");
        assertThat(CALLS.get(path).get()).isEqualTo(3);
        Map<String, List<String>> headers = HEADERS.get(0);
        assertThat(headers.get("Authorization").get(0)).startsWith("AWS4-HMAC-SHA256 Credential=AKID/")
                .contains("/us-east-1/lambda/aws4_request");
        assertThat(headers.get("X-amz-invocation-type")).containsExactly("RequestResponse");
    }

    @Test
    void lambdaFunctionErrorHeaderFailsTheBatchWithoutThePayload() {
        SCRIPT.put("/2015-03-31/functions/orders/invocations", List.of(new Reply(200,
                "{\"errorType\":\"IllegalStateException\",\"errorMessage\":\"card 4111 declined\"}",
                Map.of("X-Amz-Function-Error", "Unhandled"))));
        LambdaInvokeTarget target = new LambdaInvokeTarget(http, base(), "orders", Duration.ofSeconds(30), null,
                "us-east-1");

        assertThatThrownBy(() -> target.invoke("{}"))
                .isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining("Unhandled")
                .hasMessageContaining("IllegalStateException")
                .hasMessageNotContaining("4111");
        assertThat(HEADERS.get(0)).doesNotContainKey("Authorization");
    }

    @Test
    void theEmulatorsErrorObjectWithoutTheHeaderFailsTheBatch() throws Exception {
        String error = "{\"errorType\":\"Error\",\"errorMessage\":\"card 4111 declined\",\"trace\":[]}";
        SCRIPT.put("/2015-03-31/functions/function/invocations", List.of(new Reply(200, error, Map.of())));
        SCRIPT.put("/2015-03-31/functions/real/invocations", List.of(new Reply(200, error,
                Map.of("x-amzn-RequestId", "5f3e1c1a-0000-4000-8000-000000000000"))));
        LambdaInvokeTarget emulator = new LambdaInvokeTarget(http, base(), "function", Duration.ofSeconds(30), null,
                "us-east-1");
        LambdaInvokeTarget lambda = new LambdaInvokeTarget(http, base(), "real", Duration.ofSeconds(30), null,
                "us-east-1");

        assertThatThrownBy(() -> emulator.invoke("{}")).isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining("Unhandled").hasMessageContaining("errorType Error")
                .hasMessageNotContaining("4111");
        assertThat(lambda.invoke("{}").body()).as("a function's own answer where Lambda sent no error header")
                .isEqualTo(error);
    }

    /** A function that is not there, or not ours to invoke, did not run: not retried here, not a function error. */
    @Test
    void lambdaSaysTheFunctionIsMissingOrForbiddenOnceAndItWasNotInvoked() {
        SCRIPT.put("/2015-03-31/functions/missing/invocations", List.of(new Reply(404, "{}",
                Map.of("x-amzn-ErrorType", "ResourceNotFoundException"))));
        SCRIPT.put("/2015-03-31/functions/forbidden/invocations", List.of(new Reply(403, "{}",
                Map.of("x-amzn-ErrorType", "AccessDeniedException"))));
        LambdaInvokeTarget missing = new LambdaInvokeTarget(http, base(), "missing", Duration.ofSeconds(30), null,
                "us-east-1");
        LambdaInvokeTarget forbidden = new LambdaInvokeTarget(http, base(), "forbidden", Duration.ofSeconds(30),
                null, "us-east-1");

        assertThatThrownBy(() -> missing.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("status 404 ResourceNotFoundException");
        assertThatThrownBy(() -> forbidden.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("status 403 AccessDeniedException");
        assertThat(CALLS.get("/2015-03-31/functions/missing/invocations").get()).isEqualTo(1);
        assertThat(CALLS.get("/2015-03-31/functions/forbidden/invocations").get()).isEqualTo(1);
    }

    /** A function being deployed answers 409 for a few seconds: retried as a throttle is, then not invoked. */
    @Test
    void aFunctionBeingUpdatedIsRetriedAndThenNotInvoked() throws Exception {
        SCRIPT.put("/2015-03-31/functions/pending/invocations", List.of(new Reply(409, "{}",
                Map.of("x-amzn-ErrorType", "ResourceConflictException")), new Reply(200, "{}", Map.of())));
        SCRIPT.put("/2015-03-31/functions/updating/invocations", List.of(new Reply(409, "{}",
                Map.of("x-amzn-ErrorType", "ResourceConflictException"))));
        LambdaInvokeTarget pending = new LambdaInvokeTarget(http, base(), "pending", Duration.ofSeconds(30), null,
                "us-east-1", QUICK);
        LambdaInvokeTarget updating = new LambdaInvokeTarget(http, base(), "updating", Duration.ofMillis(300), null,
                "us-east-1", QUICK);

        assertThat(pending.invoke("{}").body()).isEqualTo("{}");
        assertThatThrownBy(() -> updating.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("status 409 ResourceConflictException");
    }

    @Test
    void lambdaRequestErrorsAreFunctionErrorsAndNotRetried() {
        SCRIPT.put("/2015-03-31/functions/too-large/invocations", List.of(new Reply(413, "{}",
                Map.of("x-amzn-ErrorType", "RequestTooLargeException"))));
        LambdaInvokeTarget target = new LambdaInvokeTarget(http, base(), "too-large", Duration.ofSeconds(30), null,
                "us-east-1");

        assertThatThrownBy(() -> target.invoke("{}")).isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining("status 413 RequestTooLargeException");
        assertThat(CALLS.get("/2015-03-31/functions/too-large/invocations").get()).isEqualTo(1);
    }

    @Test
    void throttlingIsRetriedUntilTheTimeoutNotForAFixedNumberOfAttempts() throws Exception {
        List<Reply> replies = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            replies.add(new Reply(i % 2 == 0 ? 429 : 503, "", Map.of()));
        }
        replies.add(new Reply(200, "{}", Map.of()));
        SCRIPT.put("/2015-03-31/functions/busy/invocations", replies);
        SCRIPT.put("/busy", replies);
        Backoff fast = new Backoff(Duration.ofMillis(1), Duration.ofMillis(1));

        assertThat(new LambdaInvokeTarget(http, base(), "busy", Duration.ofMinutes(1), null, "us-east-1", fast)
                .invoke("{}").body()).isEqualTo("{}");
        assertThat(new HttpUrlTarget(http, base().resolve("/busy"), Duration.ofMinutes(1), fast).invoke("{}").body())
                .isEqualTo("{}");
        assertThat(CALLS.get("/busy").get()).isEqualTo(13);
    }

    @Test
    void retriesEndWhenTheTimeoutHasPassedWithTheFunctionNotInvoked() {
        SCRIPT.put("/down", List.of(new Reply(503, "", Map.of())));
        SCRIPT.put("/busy-url", List.of(new Reply(429, "", Map.of())));
        HttpUrlTarget down = new HttpUrlTarget(http, base().resolve("/down"), Duration.ofMillis(300), QUICK);
        HttpUrlTarget busy = new HttpUrlTarget(http, base().resolve("/busy-url"), Duration.ofMillis(300), QUICK);

        assertThatThrownBy(() -> down.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("status 503");
        assertThatThrownBy(() -> busy.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("status 429");
        assertThat(CALLS.get("/down").get()).isGreaterThan(1);
    }

    @Test
    void aPlainHttpFunctionsServerErrorIsItsOwnErrorAndNotRetried() {
        SCRIPT.put("/broken", List.of(new Reply(500, "", Map.of()), new Reply(200, "{}", Map.of())));
        SCRIPT.put("/gateway", List.of(new Reply(502, "", Map.of()), new Reply(200, "{}", Map.of())));
        HttpUrlTarget broken = new HttpUrlTarget(http, base().resolve("/broken"), Duration.ofSeconds(2), QUICK);
        HttpUrlTarget gateway = new HttpUrlTarget(http, base().resolve("/gateway"), Duration.ofSeconds(2), QUICK);

        assertThatThrownBy(() -> broken.invoke("{}")).isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining("status 500");
        assertThatThrownBy(() -> gateway.invoke("{}")).isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining("status 502");
        assertThat(CALLS.get("/broken").get()).as("the function ran: running it again is the engine's call")
                .isEqualTo(1);
        assertThat(CALLS.get("/gateway").get()).isEqualTo(1);
    }

    @Test
    void aUrlNobodyListensOnEndsWithTheFunctionNotInvoked() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        HttpUrlTarget target = new HttpUrlTarget(http, URI.create("http://127.0.0.1:" + port + "/fn?token=s3cr3t"),
                Duration.ofMillis(300), QUICK);

        assertThatThrownBy(() -> target.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("http://127.0.0.1:" + port + "/fn").hasMessageNotContaining("s3cr3t");
    }

    @Test
    void lambdaThrottlesAndServiceErrorsThatOutlastTheTimeoutEndWithTheFunctionNotInvoked() {
        SCRIPT.put("/2015-03-31/functions/throttled/invocations", List.of(new Reply(429, "{\"Type\":\"User\"}",
                Map.of("x-amzn-ErrorType", "TooManyRequestsException"))));
        SCRIPT.put("/2015-03-31/functions/unavailable/invocations", List.of(new Reply(502, "{}",
                Map.of("x-amzn-ErrorType", "EC2ThrottledException"))));
        // Long enough for a retry after a first call slowed by a busy machine (CI once spent the whole 300 ms on it).
        LambdaInvokeTarget throttled = new LambdaInvokeTarget(http, base(), "throttled", Duration.ofSeconds(2), null,
                "us-east-1", QUICK);
        LambdaInvokeTarget unavailable = new LambdaInvokeTarget(http, base(), "unavailable", Duration.ofMillis(300),
                null, "us-east-1", QUICK);

        assertThatThrownBy(() -> throttled.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("status 429 TooManyRequestsException");
        assertThatThrownBy(() -> unavailable.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("status 502 EC2ThrottledException");
        assertThat(CALLS.get("/2015-03-31/functions/throttled/invocations").get()).isGreaterThan(1);
    }

    @Test
    void aServerErrorWithTheFunctionErrorHeaderIsTheFunctionsAndNotRetried() {
        String path = "/2015-03-31/functions/crashed/invocations";
        SCRIPT.put(path, List.of(new Reply(502, "{\"errorType\":\"Runtime.ExitError\"}",
                Map.of("X-Amz-Function-Error", "Unhandled")), new Reply(200, "{}", Map.of())));
        LambdaInvokeTarget target = new LambdaInvokeTarget(http, base(), "crashed", Duration.ofSeconds(2), null,
                "us-east-1", QUICK);

        assertThatThrownBy(() -> target.invoke("{}")).isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining("Unhandled").hasMessageContaining("Runtime.ExitError");
        assertThat(CALLS.get(path).get()).isEqualTo(1);
    }

    @Test
    void credentialsThatFailToResolveAreAnErrorAtAnAwsEndpointAndUnsignedElsewhere() throws Exception {
        AwsCredentialsProvider failing = new FailingCredentials(
                "Unable to load credentials from any of the providers in the chain: process: Command returned "
                        + "non-zero exit value (1) with error message: aws_secret_access_key=wJalrXUtnFEMI");
        LambdaInvokeTarget aws = new LambdaInvokeTarget(http, URI.create("https://lambda.us-east-1.amazonaws.com"),
                "orders", Duration.ofSeconds(1), failing, "us-east-1", QUICK);

        assertThatThrownBy(() -> aws.invoke("{}")).isInstanceOf(FunctionNotInvokedException.class)
                .hasMessageContaining("cannot sign the Lambda Invoke of /2015-03-31/functions/orders/invocations")
                .hasMessageContaining("FailingCredentials").hasMessageContaining("SdkClientException")
                .hasMessageContaining("Unable to load credentials from any of the providers")
                .hasMessageNotContaining("wJalrXUtnFEMI");

        SCRIPT.put("/2015-03-31/functions/local/invocations", List.of(new Reply(200, "{}", Map.of())));
        LambdaInvokeTarget emulator = new LambdaInvokeTarget(http, base(), "local", Duration.ofSeconds(30), failing,
                "us-east-1", QUICK);
        assertThat(emulator.invoke("{}").body()).isEqualTo("{}");
        assertThat(HEADERS.getLast()).doesNotContainKey("Authorization");
    }

    /** A provider that fails as the SDK's do, with a message naming what it tried. */
    private record FailingCredentials(String message) implements AwsCredentialsProvider {
        @Override
        public AwsCredentials resolveCredentials() {
            throw SdkClientException.create(message);
        }
    }

    @Test
    void aUrlTargetNamesItsUrlWithoutQueryOrUserInfo() {
        SCRIPT.put("/secret", List.of(new Reply(400, "", Map.of())));
        URI url = URI.create("http://alice:pa55word@127.0.0.1:" + server.getAddress().getPort()
                + "/secret?token=s3cr3t#frag");
        HttpUrlTarget target = new HttpUrlTarget(http, url, Duration.ofSeconds(30));
        String expected = "http://...@127.0.0.1:" + server.getAddress().getPort() + "/secret?...";

        assertThatThrownBy(() -> target.invoke("{}")).isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining(expected + " answered status 400")
                .hasMessageNotContaining("s3cr3t").hasMessageNotContaining("pa55word");
        assertThat(target.toString()).isEqualTo("HTTP " + expected);
    }

    @Test
    void aResponseOverLambdasLimitFailsTheInvocationUnread() {
        String huge = "{\"batchItemFailures\":[],\"pad\":\"" + "x".repeat(HttpCalls.MAX_RESPONSE_BYTES) + "\"}";
        SCRIPT.put("/huge", List.of(new Reply(200, huge, Map.of())));
        SCRIPT.put("/2015-03-31/functions/huge/invocations", List.of(new Reply(200, huge, Map.of())));
        HttpUrlTarget url = new HttpUrlTarget(http, base().resolve("/huge"), Duration.ofSeconds(30));
        LambdaInvokeTarget lambda = new LambdaInvokeTarget(http, base(), "huge", Duration.ofSeconds(30), null,
                "us-east-1");

        assertThatThrownBy(() -> url.invoke("{}")).isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining("Function.ResponseSizeTooLarge").hasMessageNotContaining("xxx");
        assertThatThrownBy(() -> lambda.invoke("{}")).isInstanceOf(FunctionErrorException.class)
                .hasMessageContaining("Function.ResponseSizeTooLarge");
        assertThat(CALLS.get("/huge").get()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(HandlerThreads.class)
    void timeoutFailsTheInvocationAndInterruptsIt(HandlerThreads threads) throws Exception {
        TargetLimits limits = new TargetLimits("slow", 2, Duration.ofMillis(200), threads);
        CountDownLatch interrupted = new CountDownLatch(1);
        BatchHandler<String> handler = limits.wrap(batch -> {
            try {
                Thread.sleep(Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return BatchResult.success();
        });

        assertThatThrownBy(() -> handler.handle(batch())).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("slow").hasMessageContaining("Timeout");
        assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(HandlerThreads.class)
    void aTimedOutInvocationThatIgnoresTheInterruptKeepsItsSlotUntilItEnds(HandlerThreads threads) throws Exception {
        TargetLimits limits = new TargetLimits("stubborn", 1, Duration.ofMillis(100), threads);
        CountDownLatch finish = new CountDownLatch(1);
        BatchHandler<String> handler = limits.wrap(batch -> {
            while (true) {
                try {
                    finish.await();
                    return BatchResult.success();
                } catch (InterruptedException ignored) {
                    // a handler that does not stop when interrupted
                }
            }
        });

        assertThatThrownBy(() -> handler.handle(batch())).isInstanceOf(TimeoutException.class);
        assertThat(limits.inFlight(1)).isEqualTo(1);
        finish.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> limits.inFlight(1) == 0);
    }

    @Test
    void concurrencyLimitHoldsFurtherInvocationsBack() throws Exception {
        TargetLimits limits = new TargetLimits("narrow", 2, Duration.ofMinutes(1), HandlerThreads.VIRTUAL);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch twoIn = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        BatchHandler<String> handler = limits.wrap(batch -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            twoIn.countDown();
            release.await();
            inFlight.decrementAndGet();
            return BatchResult.success();
        });
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<BatchResult>> calls = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 5; i++) {
                calls.add(callers.submit(() -> handler.handle(batch())));
            }
            assertThat(twoIn.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(limits.inFlight(2)).isEqualTo(2);
            release.countDown();
            for (Future<BatchResult> call : calls) {
                call.get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(most.get()).isEqualTo(2);
    }

    /**
     * A Java handler that blocks pinned to its carrier asks for platform threads: each invocation then runs on a
     * daemon platform thread named as the virtual one would be; any other function keeps virtual threads.
     */
    @Test
    void aFunctionsInvocationsRunOnTheThreadsItsHandlerThreadsAsksFor() throws Exception {
        Targets targets = new Targets(null, "us-east-1");
        FunctionSpec pinned = new FunctionSpec("pinned", Kind.JAVA, "com.example.Pinned", null,
                Duration.ofSeconds(30), 2, HandlerThreads.PLATFORM);

        Thread platform = invocationThread(targets.limits(pinned));
        Thread virtual = invocationThread(targets.limits(FunctionSpec.of("plain", Kind.JAVA, "com.example.Plain",
                null)));

        assertThat(platform.isVirtual()).isFalse();
        assertThat(platform.isDaemon()).as("as a virtual thread is: the JVM's exit does not wait for it").isTrue();
        assertThat(platform.getName()).isEqualTo("invoke-pinned");
        assertThat(virtual.isVirtual()).isTrue();
        assertThat(virtual.getName()).isEqualTo("invoke-plain");
    }

    private static Thread invocationThread(TargetLimits limits) throws Exception {
        AtomicReference<Thread> thread = new AtomicReference<>();
        limits.<String>wrap(batch -> {
            thread.set(Thread.currentThread());
            return BatchResult.success();
        }).handle(batch());
        return thread.get();
    }

    private static Batch<String> batch() {
        return new Batch<>(List.of("r"), "p", "arn:aws:sqs:us-east-1:0:q", 1);
    }
}

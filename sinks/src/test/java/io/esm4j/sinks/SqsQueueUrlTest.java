package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.internal.MappingLogName;
import io.esm4j.testsupport.LogCapture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The URL of a queue named by its ARN is made from the ARN, as SQS gives it, so that delivering needs
 * {@code sqs:SendMessage} only; GetQueueUrl is asked only when SQS has no queue at the made URL. The stand-in speaks
 * SQS's JSON protocol with a URL layout of its own ({@code <endpoint>/queues/<account>/<name>}), as an endpoint behind
 * a gateway may, and records each operation it is asked.
 */
class SqsQueueUrlTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ARN = "arn:aws:sqs:us-east-1:123456789012:failures";

    private static HttpServer server;
    private static URI endpoint;
    private static final List<String> calls = new CopyOnWriteArrayList<>();
    /** Whether the stand-in has the queue at all. */
    private static volatile boolean queueExists;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", SqsQueueUrlTest::answer);
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @BeforeEach
    void reset() {
        calls.clear();
        queueExists = true;
    }

    private static String ownUrl() {
        return endpoint + "/queues/123456789012/failures";
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String operation = target == null ? "?" : target.substring(target.indexOf('.') + 1);
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            calls.add(operation + (request.has("QueueUrl") ? " " + request.get("QueueUrl").asText() : ""));
            String body;
            int status = 200;
            if (operation.equals("GetQueueUrl") && queueExists) {
                body = JSON.createObjectNode().put("QueueUrl", ownUrl()).toString();
            } else if (operation.equals("SendMessage") && queueExists
                    && ownUrl().equals(request.get("QueueUrl").asText())) {
                body = JSON.createObjectNode().put("MessageId", "m-1")
                        .put("MD5OfMessageBody", md5(request.get("MessageBody").asText())).toString();
            } else {
                status = 400;
                body = "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\","
                        + "\"message\":\"The specified queue does not exist.\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SqsClient client(URI to, Region region) {
        return SqsClient.builder().endpointOverride(to).region(region)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
    }

    /** SQS's own URLs, per partition: amazonaws.com, amazonaws.com.cn in China. No call is made for them. */
    @Test
    void theUrlIsMadeFromTheArnAsSqsGivesIt() {
        record Case(Region region, String arn, String url) {}
        for (Case c : List.of(
                new Case(Region.EU_WEST_1, "arn:aws:sqs:eu-west-1:123456789012:failures",
                        "https://sqs.eu-west-1.amazonaws.com/123456789012/failures"),
                new Case(Region.CN_NORTH_1, "arn:aws-cn:sqs:cn-north-1:123456789012:failures",
                        "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/failures"),
                new Case(Region.US_GOV_WEST_1, "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:failures",
                        "https://sqs.us-gov-west-1.amazonaws.com/123456789012/failures"))) {
            try (SqsClient sqs = SqsClient.builder().region(c.region())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                    .build()) {
                assertThat(SqsFailureDestination.ofArn(sqs, c.arn()).queueUrl()).as(c.arn()).isEqualTo(c.url());
            }
        }
        // With an endpoint override (ElasticMQ, LocalStack): <endpoint>/<account>/<queue>, a trailing '/' or not.
        try (SqsClient sqs = client(URI.create(endpoint + "/base/"), Region.US_EAST_1)) {
            assertThat(SqsFailureDestination.ofArn(sqs, ARN).queueUrl())
                    .isEqualTo(endpoint + "/base/123456789012/failures");
        }
        assertThat(calls).isEmpty();
    }

    /** The made URL finds no queue here: GetQueueUrl gives the endpoint's own, kept for the next deliveries. */
    @Test
    void aUrlTheEndpointDoesNotKnowIsLookedUpOnceAndKept() throws Exception {
        try (SqsClient sqs = client(endpoint, Region.US_EAST_1)) {
            SqsFailureDestination destination = SqsFailureDestination.ofArn(sqs, ARN);
            String made = endpoint + "/123456789012/failures";
            assertThat(destination.queueUrl()).isEqualTo(made);

            destination.send(TestRecords.documented());
            destination.send(TestRecords.documented());

            assertThat(calls).containsExactly("SendMessage " + made, "GetQueueUrl", "SendMessage " + ownUrl(),
                    "SendMessage " + ownUrl());
            assertThat(destination.queueUrl()).isEqualTo(ownUrl());
        }
    }

    /**
     * A destination may serve several mappings: the line saying its URL was looked up names the mapping whose engine
     * thread delivered (key mapping, as the engine's lines).
     */
    @Test
    void theLookedUpUrlIsLoggedWithTheMappingThatDelivered() {
        try (SqsClient sqs = client(endpoint, Region.US_EAST_1);
             LogCapture log = new LogCapture(SqsFailureDestination.class)) {
            SqsFailureDestination destination = SqsFailureDestination.ofArn(sqs, ARN);
            MappingLogName.bound("orders-to-billing", () -> {
                try {
                    destination.send(TestRecords.documented());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }).run();

            assertThat(log.lines("INFO", "looked up with GetQueueUrl")).singleElement().asString()
                    .contains("mapping=orders-to-billing", "queueArn=" + ARN);
        }
    }

    /** No queue at all: the delivery fails naming the ARN, the made URL and both answers. */
    @Test
    void aMissingQueueFailsTheDeliveryWithBothAnswers() {
        queueExists = false;
        try (SqsClient sqs = client(endpoint, Region.US_EAST_1)) {
            SqsFailureDestination destination = SqsFailureDestination.ofArn(sqs, ARN);

            assertThatThrownBy(() -> destination.send(TestRecords.documented()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("cannot deliver a failure record to SQS queue " + ARN + ": " + endpoint
                            + "/123456789012/failures: The specified queue does not exist.")
                    .hasMessageContaining("; nor could its URL be looked up (GetQueueUrl): The specified queue");

            // Once the queue exists, the next delivery goes through.
            queueExists = true;
            calls.clear();
            destination.send(TestRecords.documented());
            assertThat(calls).last().isEqualTo("SendMessage " + ownUrl());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A partition the SDK does not know gives no URL to make: it is looked up at the first delivery instead. */
    @Test
    void anUnknownPartitionGivesNoUrlToMake() {
        assertThat(SqsFailureDestination.queueUrlOf(Arn.parse("arn:aws-xx:sqs:xx-test-1:123456789012:failures"),
                Optional.empty())).isNull();
    }
}

package io.esm4j.sinks;

import static io.esm4j.sinks.ServiceAnswer.s3Error;
import static io.esm4j.sinks.ServiceAnswer.snsError;
import static io.esm4j.sinks.ServiceAnswer.sqsError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.StopResult;
import io.esm4j.failure.FailureDestination;
import io.esm4j.lease.Checkpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What a mapping does when its destination fails, for each kind of fault: a stand-in service on loopback answers
 * every request with the fault as the service answers it (SQS's JSON errors, SNS's and S3's XML errors), or the
 * endpoint refuses connections, never answers, or the credentials cannot be loaded. In every case the checkpoint
 * waits before the poison record, each refusal counts in DestinationDeliveryFailures, the mapping's state transition
 * reason names the destination and the service's reason but never the secret key, and stop() returns. The clients do
 * not retry, so that each of the engine's attempts is one request; the SDK's own retries only come before those.
 */
class DestinationFaultsTest {

    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-not-a-real-secret";
    private static final AwsCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAEXAMPLE", SECRET));
    private static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:failures";
    private static final String DENIED = "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: ";

    /** What the stand-in answers: a status, a content type and a body, or, for null, no answer at all. */
    private static volatile ServiceAnswer answer;
    private static final AtomicInteger unanswered = new AtomicInteger();
    private static final CountDownLatch release = new CountDownLatch(1);
    private static HttpServer server;
    private static URI endpoint;

    @BeforeAll
    static void start() throws IOException {
        server = ServiceAnswer.startStandIn(DestinationFaultsTest::answer);
        endpoint = ServiceAnswer.endpoint(server);
    }

    @AfterAll
    static void stop() {
        release.countDown();
        server.stop(0);
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            ServiceAnswer now = answer;
            if (now == null) {
                unanswered.incrementAndGet();
                release.await(5, TimeUnit.MINUTES);
                return;
            }
            now.writeTo(exchange);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A destination of each kind on the stand-in, given how to build its client. */
    private enum Kind {
        SQS(build -> SqsFailureDestination.of(build.client(SqsClient.builder()), endpoint + "/123456789012/failures"),
                "SQS queue " + "http://127.0.0.1:"),
        SNS(build -> SnsFailureDestination.of(build.client(SnsClient.builder()), TOPIC), "SNS topic " + TOPIC),
        S3(build -> S3FailureDestination.of(build.client(S3Client.builder().forcePathStyle(true)), "failures", "m"),
                "S3 bucket failures (key aws/lambda/");

        final Function<Clients, FailureDestination> destination;
        final String named;

        Kind(Function<Clients, FailureDestination> destination, String named) {
            this.destination = destination;
            this.named = named;
        }
    }

    /** Builds a client of the stand-in: no retries, a fixed region, these credentials and attempt timeout. */
    private record Clients(URI to, AwsCredentialsProvider credentials, Duration attemptTimeout) {

        <C, B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, C>> C client(B builder) {
            return builder.endpointOverride(to).region(Region.US_EAST_1).credentialsProvider(credentials)
                    .overrideConfiguration(ClientOverrideConfiguration.builder()
                            .retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallAttemptTimeout(attemptTimeout)
                            .build())
                    .build();
        }
    }

    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of(Kind.SQS, sqsError(400, "ThrottlingException", "Rate exceeded"), "Rate exceeded"),
                Arguments.of(Kind.SQS, sqsError(500, "InternalFailure", "internal error"), "internal error"),
                Arguments.of(Kind.SQS, sqsError(403, "AccessDenied", DENIED + "sqs:sendmessage"), DENIED),
                Arguments.of(Kind.SNS, snsError(400, "Throttling", "Rate exceeded"), "Rate exceeded"),
                Arguments.of(Kind.SNS, snsError(500, "InternalFailure", "internal error"), "internal error"),
                Arguments.of(Kind.SNS, snsError(403, "AuthorizationError", DENIED + "SNS:Publish"), DENIED),
                Arguments.of(Kind.S3, s3Error(503, "SlowDown", "Please reduce your request rate."), "reduce your"),
                Arguments.of(Kind.S3, s3Error(500, "InternalError", "internal error"), "internal error"),
                Arguments.of(Kind.S3, s3Error(403, "AccessDenied", "Access Denied"), "Access Denied"),
                // No answer within the client's attempt timeout: a slow endpoint is a refusal like any other.
                Arguments.of(Kind.SQS, null, "did not complete before the specified timeout"),
                Arguments.of(Kind.S3, null, "did not complete before the specified timeout"));
    }

    @ParameterizedTest(name = "{0} answering {2}")
    @MethodSource("faults")
    void aFaultOfTheDestinationHoldsTheCheckpointAndShowsWithoutTheSecret(Kind kind, ServiceAnswer fault, String reason)
            throws Exception {
        answer = fault;
        FailureDestination destination = kind.destination.apply(new Clients(endpoint, CREDENTIALS,
                Duration.ofMillis(300)));
        assertRefusedAndShown(destination, kind.named, reason);
    }

    @Test
    void aClosedPortIsARefusal() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        FailureDestination destination = SqsFailureDestination.of(
                new Clients(closed, CREDENTIALS, Duration.ofSeconds(10)).client(SqsClient.builder()),
                closed + "/123456789012/failures");
        assertRefusedAndShown(destination, "SQS queue " + closed, "Connection refused");
    }

    @Test
    void credentialsThatCannotBeLoadedAreARefusal() throws Exception {
        AwsCredentialsProvider none = () -> {
            throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
        };
        FailureDestination destination = SnsFailureDestination.of(
                new Clients(endpoint, none, Duration.ofSeconds(10)).client(SnsClient.builder()), TOPIC);
        assertRefusedAndShown(destination, "SNS topic " + TOPIC, "Unable to load credentials");
    }

    /**
     * A destination that never answers, with the SDK's default timeouts (30 s a read): the stop does not wait for it
     * longer than its own timeout, and the checkpoint stays before the poison record.
     */
    @Test
    void aDestinationThatNeverAnswersDoesNotHoldTheStop() throws Exception {
        answer = null;
        int before = unanswered.get();
        try (SqsClient sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).build();
             PoisonMapping run = PoisonMapping.start("never-" + shortId(),
                     SqsFailureDestination.of(sqs, endpoint + "/123456789012/failures"))) {
            await().atMost(PoisonMapping.PATIENCE).until(() -> unanswered.get() > before);

            StopResult stopped = run.stop(Duration.ofMillis(500));

            assertThat(stopped.drainedInTime()).isFalse();
            assertThat(stopped.checkpoints()).containsEntry(run.shardId(),
                    new Checkpoint.AtSequenceNumber(run.before.sequenceNumber()));
            assertThat(run.checkpoint()).contains(new Checkpoint.AtSequenceNumber(run.before.sequenceNumber()));
        }
    }

    private static void assertRefusedAndShown(FailureDestination destination, String named, String reason)
            throws Exception {
        try (PoisonMapping run = PoisonMapping.start("faults-" + shortId(), destination)) {
            run.assertCheckpointWaitsThrough(2);

            assertThat(run.stateTransitionReason())
                    .startsWith("PROBLEM: on-failure destination refused the failure record of shard " + run.shardId()
                            + " (1 records from " + run.poison.sequenceNumber() + ")")
                    .contains("the checkpoint waits: ", named, reason)
                    .doesNotContain(SECRET);
            StopResult stopped = run.stop(Duration.ofSeconds(10));
            assertThat(stopped.checkpoints()).containsEntry(run.shardId(),
                    new Checkpoint.AtSequenceNumber(run.before.sequenceNumber()));
        }
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}

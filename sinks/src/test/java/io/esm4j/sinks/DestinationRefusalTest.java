package io.esm4j.sinks;

import static io.esm4j.sinks.ServiceAnswer.s3Error;
import static io.esm4j.sinks.ServiceAnswer.snsError;
import static io.esm4j.sinks.ServiceAnswer.sqsError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.failure.FailureDestination;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
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
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * A destination refused for what only a user can fix (credentials, permissions, a KMS key, a queue, topic or bucket
 * that does not exist) shows esm4j's text naming the destination as the mapping's LastProcessingResult, through the
 * retries, until a delivery succeeds; then the batches' result shows again. Throttling and 5xx answers hold nothing:
 * the poison batch's result stays. A stand-in on loopback answers each request with the fault as the service words it
 * (SQS's JSON errors, SNS's and S3's XML errors) until it is told to accept, then as the service accepts.
 */
class DestinationRefusalTest {

    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-not-a-real-secret";
    private static final String QUEUE = "arn:aws:sqs:us-east-1:123456789012:failures";
    private static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:failures";
    private static final String BUCKET = "arn:aws:s3:::failures";
    private static final String DENIED = "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: ";
    private static final String POISON_RESULT = "PROBLEM: Function call failed";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fault to answer with; null once the stand-in accepts. */
    private static volatile ServiceAnswer fault;
    private static HttpServer server;
    private static URI endpoint;

    @BeforeAll
    static void start() throws IOException {
        server = ServiceAnswer.startStandIn(DestinationRefusalTest::answer);
        endpoint = ServiceAnswer.endpoint(server);
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] request = exchange.getRequestBody().readAllBytes();
            ServiceAnswer now = fault;
            if (now == null) {
                now = accepted(exchange, request);
            }
            now.writeTo(exchange);
        }
    }

    /** The service's answer to an accepted SendMessage (with the body's MD5, which the SDK checks), Publish or PUT. */
    private static ServiceAnswer accepted(HttpExchange exchange, byte[] request) throws IOException {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target != null && target.endsWith("SendMessage")) {
            String body = JSON.readTree(request).get("MessageBody").asText();
            return new ServiceAnswer(200, "application/x-amz-json-1.0",
                    "{\"MessageId\":\"" + UUID.randomUUID() + "\",\"MD5OfMessageBody\":\"" + md5(body) + "\"}");
        }
        if ("PUT".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("ETag", "\"" + md5(new String(request, StandardCharsets.UTF_8)) + "\"");
            return new ServiceAnswer(200, "application/xml", "");
        }
        return new ServiceAnswer(200, "text/xml", "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
                + "<PublishResult><MessageId>" + UUID.randomUUID() + "</MessageId></PublishResult>"
                + "<ResponseMetadata><RequestId>42</RequestId></ResponseMetadata></PublishResponse>");
    }

    private static String md5(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
            return String.format("%032x", new BigInteger(1, digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A destination of each kind on the stand-in, named by its ARN. */
    private enum Kind {
        SQS(() -> SqsFailureDestination.ofArn(client(SqsClient.builder()), QUEUE)),
        SNS(() -> SnsFailureDestination.of(client(SnsClient.builder()), TOPIC)),
        S3(() -> S3FailureDestination.ofArn(client(S3Client.builder().forcePathStyle(true)), BUCKET, "m",
                EventJson.lambdaEvent()));

        final Supplier<FailureDestination> destination;

        Kind(Supplier<FailureDestination> destination) {
            this.destination = destination;
        }
    }

    /** A client of the stand-in that does not retry, so that each of the engine's attempts is one request. */
    private static <C, B extends AwsClientBuilder<B, C>> C client(B builder) {
        return client(builder, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAEXAMPLE", SECRET)));
    }

    private static <C, B extends AwsClientBuilder<B, C>> C client(B builder, AwsCredentialsProvider credentials) {
        return builder.endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallAttemptTimeout(Duration.ofSeconds(10))
                        .build())
                .build();
    }

    private static String authorize(String service, String arn) {
        return "PROBLEM: " + service + " failed to authorize Lambda to write to on-failure destination " + arn + ".";
    }

    private static String authenticate(String service, String arn) {
        return "PROBLEM: " + service + " failed to authenticate Lambda for on-failure destination " + arn + ".";
    }

    private static String kms(String arn) {
        return "PROBLEM: Lambda cannot use the KMS key of on-failure destination " + arn + ".";
    }

    private static String missing(String arn) {
        return "PROBLEM: On-failure destination " + arn + " does not exist.";
    }

    /** The stand-in's clients are for us-east-1. */
    private static String otherRegion(String arn, String region) {
        return "PROBLEM: On-failure destination " + arn + " is in region " + region + ", not in its client's "
                + "(us-east-1).";
    }

    static Stream<Arguments> refusals() {
        Function<String, String> sqsKms = m -> "{\"__type\":\"com.amazonaws.sqs#KmsAccessDenied\",\"message\":\"" + m
                + "\"}";
        return Stream.of(
                Arguments.of(Kind.SQS, sqsError(403, "AccessDenied", DENIED + "sqs:sendmessage"),
                        authorize("SQS", QUEUE)),
                Arguments.of(Kind.SQS, new ServiceAnswer(400, "application/x-amz-json-1.0",
                        sqsKms.apply(DENIED + "kms:GenerateDataKey")), kms(QUEUE)),
                Arguments.of(Kind.SQS, sqsError(403, "InvalidClientTokenId", "The security token included in the "
                        + "request is invalid."), authenticate("SQS", QUEUE)),
                // No queue at the URL made from the ARN, nor by GetQueueUrl.
                Arguments.of(Kind.SQS, sqsError(400, "QueueDoesNotExist", "The specified queue does not exist."),
                        missing(QUEUE)),
                Arguments.of(Kind.SNS, snsError(403, "AuthorizationError", DENIED + "SNS:Publish"),
                        authorize("SNS", TOPIC)),
                Arguments.of(Kind.SNS, snsError(400, "KMSAccessDenied", "The ciphertext references a key that "
                        + "either does not exist or you do not have access to."), kms(TOPIC)),
                Arguments.of(Kind.SNS, snsError(403, "ExpiredToken", "The security token included in the request is "
                        + "expired"), authenticate("SNS", TOPIC)),
                Arguments.of(Kind.SNS, snsError(404, "NotFound", "Topic does not exist"), missing(TOPIC)),
                Arguments.of(Kind.S3, s3Error(403, "AccessDenied", "Access Denied"), authorize("S3", BUCKET)),
                Arguments.of(Kind.S3, s3Error(403, "AccessDenied", DENIED + "kms:GenerateDataKey on resource: "
                        + "arn:aws:kms:us-east-1:123456789012:key/k"), kms(BUCKET)),
                Arguments.of(Kind.S3, s3Error(403, "SignatureDoesNotMatch", "The request signature we calculated "
                        + "does not match the signature you provided."), authenticate("S3", BUCKET)),
                Arguments.of(Kind.S3, s3Error(404, "NoSuchBucket", "The specified bucket does not exist"),
                        missing(BUCKET)),
                // The bucket in another region than the client's: as S3 answers a PutObject sent to the wrong
                // regional endpoint, and one signed for the wrong region.
                Arguments.of(Kind.S3, s3Error(301, "PermanentRedirect", "The bucket you are attempting to access "
                        + "must be addressed using the specified endpoint. Please send all future requests to this "
                        + "endpoint.").withHeader("x-amz-bucket-region", "eu-west-1"),
                        otherRegion(BUCKET, "eu-west-1")),
                Arguments.of(Kind.S3, s3Error(400, "AuthorizationHeaderMalformed", "The authorization header is "
                        + "malformed; the region 'us-east-1' is wrong; expecting 'ap-south-2'"),
                        otherRegion(BUCKET, "ap-south-2")));
    }

    @ParameterizedTest(name = "{0} answering {2}")
    @MethodSource("refusals")
    void aRefusalAUserMustActOnShowsAsTheLastProcessingResultUntilADeliverySucceeds(Kind kind, ServiceAnswer refusal,
                                                                                     String shown) {
        fault = refusal;
        try (PoisonMapping run = PoisonMapping.start("refused-" + shortId(), kind.destination.get())) {
            run.assertCheckpointWaitsThrough(2);
            await().atMost(PoisonMapping.PATIENCE).until(() -> run.deliveryFailures() >= 3);

            assertThat(run.lastProcessingResult()).isEqualTo(shown);
            assertThat(run.stateTransitionReason()).contains("the checkpoint waits: ").doesNotContain(SECRET);

            fault = null;
            run.awaitCheckpointPastThePoison();
            await().atMost(PoisonMapping.PATIENCE).until(() -> run.lastProcessingResult().equals("OK"));
        }
    }

    static Stream<Arguments> transientFaults() {
        return Stream.of(
                Arguments.of(Kind.SQS, sqsError(400, "ThrottlingException", "Rate exceeded")),
                Arguments.of(Kind.SQS, sqsError(400, "KmsThrottled", "Rate exceeded")),
                Arguments.of(Kind.SNS, snsError(400, "Throttling", "Rate exceeded")),
                Arguments.of(Kind.SNS, snsError(500, "InternalFailure", "internal error")),
                Arguments.of(Kind.S3, s3Error(503, "SlowDown", "Please reduce your request rate.")),
                Arguments.of(Kind.S3, s3Error(500, "InternalError", "internal error")));
    }

    /** A refusal that passes on its own holds nothing: the poison batch's result stays while it is retried. */
    @ParameterizedTest(name = "{0} answering {1}")
    @MethodSource("transientFaults")
    void aTransientRefusalHoldsNoResult(Kind kind, ServiceAnswer refusal) {
        fault = refusal;
        try (PoisonMapping run = PoisonMapping.start("transient-" + shortId(), kind.destination.get())) {
            run.assertCheckpointWaitsThrough(3);

            assertThat(run.lastProcessingResult()).isEqualTo(POISON_RESULT);

            fault = null;
            run.awaitCheckpointPastThePoison();
            await().atMost(PoisonMapping.PATIENCE).until(() -> run.lastProcessingResult().equals("OK"));
        }
    }

    /**
     * A client whose credentials come from STS (a role assumed for a destination in another account, web identity on
     * EKS) is refused by STS, not by the destination, when the role cannot be assumed: the held result names STS, so
     * that no one looks for the cause in the queue's, topic's or bucket's policy. STS's AccessDenied comes through the
     * client's call as STS's own exception, as the SDK's credentials providers throw it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aRoleThatCannotBeAssumedIsHeldAsStsRefusingNotTheDestination(Kind kind) {
        fault = null;
        AtomicBoolean stsRefuses = new AtomicBoolean(true);
        AwsCredentialsProvider assumedRole = () -> {
            if (stsRefuses.get()) {
                String message = "User: arn:aws:sts::123456789012:assumed-role/app/i-0 is not authorized to perform: "
                        + "sts:AssumeRole on resource: arn:aws:iam::210987654321:role/failures-writer";
                throw AwsServiceException.builder().message(message).statusCode(403)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").errorMessage(message)
                                .serviceName("Sts").build())
                        .build();
            }
            return AwsBasicCredentials.create("AKIAEXAMPLE", SECRET);
        };
        String arn = switch (kind) {
            case SQS -> QUEUE;
            case SNS -> TOPIC;
            case S3 -> BUCKET;
        };
        FailureDestination destination = switch (kind) {
            case SQS -> SqsFailureDestination.ofArn(client(SqsClient.builder(), assumedRole), QUEUE);
            case SNS -> SnsFailureDestination.of(client(SnsClient.builder(), assumedRole), TOPIC);
            case S3 -> S3FailureDestination.ofArn(client(S3Client.builder().forcePathStyle(true), assumedRole), BUCKET,
                    "m", EventJson.lambdaEvent());
        };
        try (PoisonMapping run = PoisonMapping.start("sts-" + shortId(), destination)) {
            run.assertCheckpointWaitsThrough(2);

            assertThat(run.lastProcessingResult()).isEqualTo(authenticate("STS", arn));
            assertThat(run.stateTransitionReason()).contains("sts:AssumeRole").doesNotContain(SECRET);

            stsRefuses.set(false);
            run.awaitCheckpointPastThePoison();
            await().atMost(PoisonMapping.PATIENCE).until(() -> run.lastProcessingResult().equals("OK"));
        }
    }

    static Stream<Kind> kinds() {
        return Stream.of(Kind.values());
    }

    /** A queue given by its URL is named by the ARN of an AWS URL, or else by the URL. */
    @Test
    void aQueueGivenByItsUrlIsNamedByItsArn() {
        assertThat(SqsFailureDestination.arnOf("https://sqs.eu-west-1.amazonaws.com/123456789012/failures"))
                .isEqualTo("arn:aws:sqs:eu-west-1:123456789012:failures");
        assertThat(SqsFailureDestination.arnOf("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/failures"))
                .isEqualTo("arn:aws-cn:sqs:cn-north-1:123456789012:failures");
        assertThat(SqsFailureDestination.arnOf("https://us-east-2.queue.amazonaws.com/123456789012/failures"))
                .isEqualTo("arn:aws:sqs:us-east-2:123456789012:failures");
        assertThat(SqsFailureDestination.arnOf("http://127.0.0.1:9324/000000000000/failures"))
                .isEqualTo("http://127.0.0.1:9324/000000000000/failures");
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}

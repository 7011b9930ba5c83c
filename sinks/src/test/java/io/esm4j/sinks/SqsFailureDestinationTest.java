package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** The SQS failure destination against ElasticMQ, in this JVM on a free loopback port. */
class SqsFailureDestinationTest {

    private static SQSRestServer server;
    private static URI endpoint;
    private static SqsClient sqs;

    @BeforeAll
    static void startServer() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        int port = server.waitUntilStarted().localAddress().getPort();
        endpoint = URI.create("http://127.0.0.1:" + port);
        sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build();
    }

    @AfterAll
    static void stopServer() {
        try {
            if (sqs != null) {
                sqs.close();
            }
        } finally {
            if (server != null) {
                server.stopAndWait();
            }
        }
    }

    @Test
    void sendsTheFailureRecordJsonAsTheMessageBody() {
        String url = createQueue("failures");
        FailureRecord record = new FailureRecord(
                new FailureRecord.RequestContext("c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5",
                        "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
                        FailureCondition.RetryAttemptsExhausted, 1),
                FailureRecord.ResponseContext.unhandled(), Instant.parse("2019-11-14T00:38:06.021Z"),
                new StreamBatchInfo(BatchInfoStyle.KINESIS, "shardId-000000000001", "4960", "4961",
                        Instant.parse("2019-11-14T00:38:04.835Z"), Instant.parse("2019-11-14T00:38:05.580Z"), 500,
                        "arn:aws:kinesis:us-east-2:123456789012:stream/mystream"),
                List.of());

        SqsFailureDestination.of(sqs, url).send(record);

        assertThat(receiveAll(url, 1)).singleElement().extracting(Message::body).isEqualTo(record.toJson());
    }

    @Test
    void aStreamMappingDeliversWhatItGivesUpToTheQueue() throws Exception {
        String url = createQueue("given-up");
        InMemoryStream stream = InMemoryStream.create("orders", 1);
        stream.put("key", "poison");
        EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder("orders-" + shortId(), stream,
                        batch -> {
                            throw new IllegalStateException("this handler fails every batch");
                        })
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                        .maximumRetryAttempts(0).retryBackoff(Duration.ofMillis(10), Duration.ofMillis(100))
                        .build())
                .onFailure(SqsFailureDestination.of(sqs, url))
                .build();
        mapping.start();
        List<Message> delivered;
        try {
            delivered = receiveAll(url, 1);
        } finally {
            mapping.stop(Duration.ofSeconds(30));
        }

        assertThat(delivered).singleElement().extracting(Message::body).asString()
                .contains("\"condition\":\"RetryAttemptsExhausted\"")
                .contains("\"KinesisBatchInfo\":{\"shardId\":\"" + stream.openShardIds().getFirst() + "\"")
                .contains("\"streamArn\":\"" + stream.streamArn() + "\"");
    }

    @Test
    void aMappingDeliversItsPoisonRecordAndPassesItOnlyOnceTheQueueTakesIt() throws Exception {
        // The queue does not exist yet: SQS answers NonExistentQueue, as it would to a mapping whose queue was deleted.
        String name = "orders-sqs-" + shortId();
        String url = createQueue("exists").replaceAll("[^/]+$", name + "-failures");
        try (PoisonMapping run = PoisonMapping.start(name, SqsFailureDestination.of(sqs, url))) {
            run.assertCheckpointWaitsThrough(3);

            assertThat(sqs.createQueue(r -> r.queueName(name + "-failures")).queueUrl()).isEqualTo(url);
            run.awaitCheckpointPastThePoison();

            assertThat(receiveAll(url, 1)).singleElement().extracting(Message::body).satisfies(json -> {
                LambdaShape.assertSameShape(json, LambdaShape.queueOrTopicRecord());
                run.assertIsThePoisonRecord(json);
            });
        }
    }

    /**
     * A queue named by its ARN, as Lambda's DestinationConfig and the worker name it, that does not exist yet (or that
     * SQS cannot be asked about when the mapping starts): the mapping starts and processes its records as with a
     * topic or a bucket; only the poison record waits, its failure record refused, until the queue exists.
     */
    @Test
    void aMappingWhoseQueueArnNamesNoQueueYetStartsAndPassesThePoisonOnceTheQueueExists() throws Exception {
        String name = "orders-arn-" + shortId();
        String queueName = name + "-failures";
        String existing = createQueue("arn-of");
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(existing).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN).replaceAll("[^:]+$", queueName);
        FailureDestinations destinations = FailureDestinations.builder().sqs(sqs).build();

        try (PoisonMapping run = PoisonMapping.start(name, destinations.forArn(name, arn))) {
            run.assertCheckpointWaitsThrough(3);

            String url = sqs.createQueue(r -> r.queueName(queueName)).queueUrl();
            run.awaitCheckpointPastThePoison();

            assertThat(receiveAll(url, 1)).singleElement().extracting(Message::body)
                    .satisfies(run::assertIsThePoisonRecord);
        }
    }

    /**
     * Lambda's execution role needs only sqs:SendMessage for an SQS destination: so do the destination's credentials.
     * The client refuses every other operation, as SQS refuses a role without its permission.
     */
    @Test
    void aQueueNamedByItsArnNeedsOnlySendMessage() throws Exception {
        String url = createQueue("send-only");
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        List<String> operations = new CopyOnWriteArrayList<>();
        ExecutionInterceptor sendMessageOnly = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
                operations.add(operation);
                if (!operation.equals("SendMessage")) {
                    throw SqsException.builder().statusCode(403).awsErrorDetails(AwsErrorDetails.builder()
                            .errorCode("AccessDenied").errorMessage("User: arn:aws:sts::000000000000:assumed-role/"
                                    + "esm is not authorized to perform: sqs:" + operation.toLowerCase())
                            .build()).build();
                }
            }
        };
        try (SqsClient sendOnly = SqsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .overrideConfiguration(o -> o.addExecutionInterceptor(sendMessageOnly)).build()) {
            FailureRecord record = TestRecords.documented();
            FailureDestinations.builder().sqs(sendOnly).build().forArn("orders", arn).send(record);

            assertThat(operations).containsExactly("SendMessage");
            assertThat(receiveAll(url, 1)).singleElement().extracting(Message::body).isEqualTo(record.toJson());
        }
    }

    @Test
    void findsTheQueueFromLambdasDestinationArn() {
        String url = createQueue("by-arn");
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);

        assertThat(SqsFailureDestination.ofArn(sqs, arn).queueUrl()).isEqualTo(url);
    }

    /** GetQueueUrl would find a queue of the same name in the client's region, silently the wrong queue. */
    @Test
    void refusesAQueueArnOfAnotherRegionThanItsClients() {
        try (SqsClient usEast = SqsClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            assertThatThrownBy(() -> SqsFailureDestination.ofArn(usEast, "arn:aws:sqs:eu-west-1:123456789012:failures"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("arn:aws:sqs:eu-west-1:123456789012:failures is a queue in region eu-west-1")
                    .hasMessageContaining("for region us-east-1");
        }
    }

    /** The SDK sends to its client's region whatever the URL says: SQS would answer QueueDoesNotExist for good. */
    @Test
    void refusesAQueueUrlOfAnotherRegionThanItsClients() {
        try (SqsClient usEast = SqsClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            for (String url : new String[] {"https://sqs.eu-west-1.amazonaws.com/123456789012/failures",
                    "https://eu-west-1.queue.amazonaws.com/123456789012/failures"}) {
                assertThatThrownBy(() -> SqsFailureDestination.of(usEast, url)).as(url)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("destination " + url + " is a queue in region eu-west-1, but the SqsClient given "
                                + "for it is for region us-east-1; expected a client of the queue's region");
            }
            String sameRegion = "https://sqs.us-east-1.amazonaws.com/123456789012/failures";
            assertThat(SqsFailureDestination.of(usEast, sameRegion).queueUrl()).isEqualTo(sameRegion);
        }
        // An endpoint override is trusted, as for queue ARNs.
        assertThat(SqsFailureDestination.of(sqs, "https://sqs.eu-west-1.amazonaws.com/123456789012/f").queueUrl())
                .isEqualTo("https://sqs.eu-west-1.amazonaws.com/123456789012/f");
    }

    @Test
    void refusesFifoQueuesAsAwsDoes() {
        assertThatThrownBy(() -> SqsFailureDestination.of(sqs, "http://127.0.0.1/000000000000/failures.fifo"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("failures.fifo is a FIFO queue")
                .hasMessageContaining("must be a standard queue");
        assertThatThrownBy(() -> SqsFailureDestination.ofArn(sqs, "arn:aws:sqs:us-east-1:123456789012:f.fifo"))
                .hasMessageContaining("is a FIFO queue");
    }

    @Test
    void badDestinationsAreNamedInTheError() {
        assertThatThrownBy(() -> SqsFailureDestination.ofArn(sqs, "arn:aws:sns:us-east-1:123456789012:topic"))
                .hasMessageContaining("must be an SQS queue ARN")
                .hasMessageContaining("arn:aws:sns:us-east-1:123456789012:topic");
        String missing = createQueue("exists").replaceAll("[^/]+$", "missing-" + shortId());
        SqsFailureDestination destination = SqsFailureDestination.of(sqs, missing);
        FailureRecord record = new FailureRecord(new FailureRecord.RequestContext("r", "f",
                FailureCondition.RecordAgeExceeded, 1), null, Instant.EPOCH,
                new StreamBatchInfo(BatchInfoStyle.KINESIS, "s", "1", "1", Instant.EPOCH, Instant.EPOCH, 1, "arn"),
                List.of());
        assertThatThrownBy(() -> destination.send(record))
                .hasMessageContaining("cannot deliver a failure record to SQS queue " + missing);
    }

    /**
     * {@code of} takes a queue URL; a queue's ARN or bare name there was taken, and every delivery then failed for good
     * (SQS finds no queue at an address that is no URL), holding the shard, when the mistake could be named at once.
     */
    @Test
    void aValueThatIsNoQueueUrlIsRefusedWhenTheDestinationIsBuilt() {
        assertThatThrownBy(() -> SqsFailureDestination.of(sqs, "arn:aws:sqs:us-east-1:123456789012:failures"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("queueUrl must be an SQS queue URL (http(s)://<host>/<account>/<queue>) but was "
                        + "'arn:aws:sqs:us-east-1:123456789012:failures'; for a queue ARN use "
                        + "SqsFailureDestination.ofArn(sqs, queueArn)");
        for (String notAUrl : List.of("failures", "sqs.us-east-1.amazonaws.com/123456789012/failures",
                "https://sqs.us-east-1.amazonaws.com/", "ftp://127.0.0.1/000000000000/failures",
                "http://127.0.0.1/000000000000/fail ures")) {
            assertThatThrownBy(() -> SqsFailureDestination.of(sqs, notAUrl)).as(notAUrl)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("queueUrl must be an SQS queue URL (http(s)://<host>/<account>/<queue>) but was '"
                            + notAUrl + "'");
        }
        // Emulators lay their URLs out their own way; only the queue's name at the end is SQS's.
        SqsFailureDestination.of(sqs, "http://127.0.0.1:9324/queue/failures");
        SqsFailureDestination.of(sqs, "http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/failures");
        // A Compose service name with an underscore is no host name to java.net.URI, but Docker resolves it.
        SqsFailureDestination.of(sqs, "http://elastic_mq:9324/000000000000/failures");
    }

    private static String createQueue(String prefix) {
        return sqs.createQueue(r -> r.queueName(prefix + "-" + shortId())).queueUrl();
    }

    private static List<Message> receiveAll(String url, int count) {
        List<Message> received = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            received.addAll(sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages());
            return received.size() >= count;
        });
        return received;
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}

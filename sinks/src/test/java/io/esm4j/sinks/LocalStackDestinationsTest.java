package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.failure.FailureRecord;
import io.esm4j.testsupport.RequiresDocker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The SNS and S3 destinations against LocalStack in a container, reached through {@link FailureDestinations#forArn}:
 * an SQS queue subscribed to the topic reads the record back, and S3 gives the stored object back. Skipped, not
 * failed, where there is no Docker, with one INFO line ({@link RequiresDocker} comes first, so Testcontainers does
 * not look for Docker and log errors).
 */
@RequiresDocker
@Testcontainers(disabledWithoutDocker = true)
class LocalStackDestinationsTest {

    @Container
    private static final LocalStackContainer LOCALSTACK =
            new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4.0")).withServices("sqs", "sns", "s3");

    private static final ObjectMapper JSON = new ObjectMapper();

    private static SqsClient sqs;
    private static SnsClient sns;
    private static S3Client s3;
    private static FailureDestinations destinations;

    @BeforeAll
    static void clients() {
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey()));
        Region region = Region.of(LOCALSTACK.getRegion());
        sqs = SqsClient.builder().endpointOverride(LOCALSTACK.getEndpoint()).region(region)
                .credentialsProvider(credentials).build();
        sns = SnsClient.builder().endpointOverride(LOCALSTACK.getEndpoint()).region(region)
                .credentialsProvider(credentials).build();
        s3 = S3Client.builder().endpointOverride(LOCALSTACK.getEndpoint()).region(region)
                .credentialsProvider(credentials).forcePathStyle(true).build();
        destinations = FailureDestinations.builder().sqs(sqs).sns(sns).s3(s3).build();
    }

    @AfterAll
    static void closeClients() throws Exception {
        // The Testcontainers extension stops the container after the class.
        Closer.closeAll(s3, sns, sqs);
    }

    @Test
    void aQueueSubscribedToTheTopicReadsTheRecordBack() throws Exception {
        String topic = sns.createTopic(r -> r.name("failures-" + shortId())).topicArn();
        String envelopeQueue = subscribedQueue(topic, false);
        String rawQueue = subscribedQueue(topic, true);
        FailureRecord record = TestRecords.documented();

        destinations.forArn("orders", topic).send(record);

        assertThat(receive(rawQueue, 1)).singleElement().extracting(Message::body).isEqualTo(record.toJson());
        JsonNode envelope = JSON.readTree(receive(envelopeQueue, 1).getFirst().body());
        assertThat(envelope.get("Type").asText()).isEqualTo("Notification");
        assertThat(envelope.get("TopicArn").asText()).isEqualTo(topic);
        assertThat(envelope.get("Message").asText()).isEqualTo(record.toJson());
        assertThat(envelope.has("MessageAttributes")).as("Lambda sets no message attributes").isFalse();
    }

    @Test
    void aMappingsPoisonRecordReachesTheTopicsQueueOnlyOnceTheTopicExists() throws Exception {
        String name = "orders-ls-sns-" + shortId();
        String existing = sns.createTopic(r -> r.name("exists-" + shortId())).topicArn();
        String topic = existing.substring(0, existing.lastIndexOf(':') + 1) + name + "-failures";
        try (PoisonMapping run = PoisonMapping.start(name, destinations.forArn(name, topic))) {
            run.assertCheckpointWaitsThrough(2);

            assertThat(sns.createTopic(r -> r.name(name + "-failures")).topicArn()).isEqualTo(topic);
            String queue = subscribedQueue(topic, true);
            run.awaitCheckpointPastThePoison();

            assertThat(receive(queue, 1)).singleElement().extracting(Message::body).satisfies(json -> {
                LambdaShape.assertSameShape(json, LambdaShape.queueOrTopicRecord());
                run.assertIsThePoisonRecord(json);
            });
        }
    }

    @Test
    void aMappingsPoisonRecordIsStoredInTheBucketOnlyOnceTheBucketExists() throws Exception {
        String name = "orders-ls-s3-" + shortId();
        String bucket = "failures-" + shortId();
        try (PoisonMapping run = PoisonMapping.start(name, destinations.forArn(name, "arn:aws:s3:::" + bucket))) {
            run.assertCheckpointWaitsThrough(2);

            s3.createBucket(r -> r.bucket(bucket));
            run.awaitCheckpointPastThePoison();

            List<S3Object> objects = s3.listObjectsV2(r -> r.bucket(bucket)).contents();
            assertThat(objects).singleElement().satisfies(o -> assertThat(o.key())
                    .startsWith("aws/lambda/" + S3FailureDestination.mappingUuid(name) + "/" + run.shardId() + "/"));
            ResponseBytes<GetObjectResponse> object =
                    s3.getObjectAsBytes(r -> r.bucket(bucket).key(objects.getFirst().key()));
            assertThat(object.response().contentType()).isEqualTo("application/json");
            LambdaShape.assertSameShape(object.asUtf8String(), LambdaShape.s3Object());
            run.assertIsThePoisonRecord(object.asUtf8String());
        }
    }

    /** A new queue subscribed to the topic; raw delivery gives the message alone, otherwise in SNS's envelope. */
    private static String subscribedQueue(String topic, boolean raw) {
        String url = sqs.createQueue(r -> r.queueName("subscriber-" + shortId())).queueUrl();
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(arn)
                .attributes(Map.of("RawMessageDelivery", Boolean.toString(raw))));
        return url;
    }

    private static List<Message> receive(String url, int count) {
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

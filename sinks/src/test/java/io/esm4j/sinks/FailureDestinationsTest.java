package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.sinks.sns.PublishedMessage;
import io.esm4j.sinks.sns.SnsWireServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@link FailureDestinations#forArn}: each ARN form gives a destination that delivers to what it names (ElasticMQ,
 * the wire-level SNS endpoint and s3proxy, in this JVM), and anything else is refused naming the value.
 */
class FailureDestinationsTest {

    private static SQSRestServer elasticMq;
    private static SnsWireServer snsServer;
    private static S3ProxyServer s3Server;
    private static SqsClient sqs;
    private static SnsClient sns;
    private static S3Client s3;
    private static FailureDestinations destinations;

    @BeforeAll
    static void startServers() throws Exception {
        elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        sqs = AwsClients.sqs(URI.create("http://127.0.0.1:" + elasticMq.waitUntilStarted().localAddress().getPort()));
        snsServer = SnsWireServer.start();
        sns = AwsClients.sns(snsServer.endpoint());
        s3Server = S3ProxyServer.start();
        s3 = AwsClients.s3(s3Server.endpoint());
        destinations = FailureDestinations.builder().sqs(sqs).sns(sns).s3(s3).build();
    }

    @AfterAll
    static void stopServers() throws Exception {
        Closer.closeAll(s3, s3Server, sns, snsServer, sqs, elasticMq == null ? null : elasticMq::stopAndWait);
    }

    @Test
    void anSqsQueueArnGivesItsQueue() {
        String url = sqs.createQueue(r -> r.queueName("failures-" + shortId())).queueUrl();
        String arn = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        FailureRecord record = TestRecords.documented();

        FailureDestination destination = destinations.forArn("orders", arn);
        send(destination, record);

        assertThat(destination).isInstanceOfSatisfying(SqsFailureDestination.class,
                d -> assertThat(d.queueUrl()).isEqualTo(url));
        assertThat(sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(5)).messages()).singleElement()
                .satisfies(m -> assertThat(m.body()).isEqualTo(record.toJson()));
    }

    @Test
    void anSnsTopicArnGivesThatTopic() {
        String arn = sns.createTopic(r -> r.name("failures-" + shortId())).topicArn();
        FailureRecord record = TestRecords.documented();

        send(destinations.forArn("orders", arn), record);

        assertThat(snsServer.published(arn)).extracting(PublishedMessage::message).containsExactly(record.toJson());
    }

    @Test
    void anS3BucketArnGivesThatBucketKeyedByTheMapping() {
        String bucket = "failures-" + shortId();
        s3.createBucket(r -> r.bucket(bucket));

        send(destinations.forArn("orders", "arn:aws:s3:::" + bucket), TestRecords.withTwoRecords());

        assertThat(s3.listObjectsV2(r -> r.bucket(bucket)).contents()).singleElement()
                .satisfies(o -> assertThat(o.key()).startsWith("aws/lambda/"
                        + S3FailureDestination.mappingUuid("orders") + "/" + TestRecords.SHARD + "/"));
    }

    @Test
    void theS3PayloadUsesTheEventJsonGivenToTheBuilder() {
        String bucket = "failures-" + shortId();
        s3.createBucket(r -> r.bucket(bucket));
        FailureDestinations custom = FailureDestinations.builder().s3(s3)
                .eventJson(failure -> "{\"count\":" + failure.records().size() + "}").build();

        send(custom.forArn("orders", "arn:aws:s3:::" + bucket), TestRecords.withTwoRecords());

        String key = s3.listObjectsV2(r -> r.bucket(bucket)).contents().getFirst().key();
        assertThat(s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String())
                .endsWith(",\"payload\":\"{\\\"count\\\":2}\"}");
    }

    @Test
    void otherServicesAreRefusedNamingTheArnAndTheFormsThatWork() {
        for (String arn : new String[] {"arn:aws:lambda:us-east-1:123456789012:function:f",
                "arn:aws:events:us-east-1:123456789012:event-bus/default"}) {
            assertThatThrownBy(() -> destinations.forArn("orders", arn))
                    .as(arn)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("on-failure destination " + arn + " is an ARN of the service '")
                    .hasMessageContaining("must be an SQS queue (arn:<partition>:sqs:<region>:<account>:<queue>), "
                            + "an SNS topic (arn:<partition>:sns:<region>:<account>:<topic>), an S3 bucket "
                            + "(arn:<partition>:s3:::<bucket>) or a Kafka topic (kafka://<topic>)");
        }
        for (String value : new String[] {"https://sqs.us-east-1.amazonaws.com/123456789012/q", "", null}) {
            assertThatThrownBy(() -> destinations.forArn("orders", value))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("on-failure destination must be an SQS queue")
                    .hasMessageEndingWith(" but was '" + value + "'");
        }
    }

    @Test
    void theMappingNameIsCheckedForEveryKindSoSwappedArgumentsFailNamingTheValue() {
        assertThatThrownBy(() -> destinations.forArn("arn:aws:sns:us-east-1:123456789012:t", "orders"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mappingName must be an event source mapping's name (1–128 letters, digits, '.', '_' or "
                        + "'-') but was 'arn:aws:sns:us-east-1:123456789012:t'");
    }

    @Test
    void kafkaTopicsNeedAWayToReachTheClusterAndInvalidTopicsAreRefused() {
        assertThatThrownBy(() -> destinations.forArn("orders", "kafka://orders-failures"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("on-failure destination kafka://orders-failures is a Kafka topic, but FailureDestinations "
                        + "was built without a way to reach one; give it with .kafkaTopics(kafkaSource::failureTopic) "
                        + "(source-kafka; Lambda takes Kafka topic destinations only on Kafka event source mappings, "
                        + "on the mapping's own cluster)");
        assertThatThrownBy(() -> destinations.forArn("orders", "kafka://.hidden"))
                .hasMessageStartingWith("on-failure destination 'kafka://.hidden' is not a valid Kafka topic");
    }

    @Test
    void kafkaTopicsResolveThroughTheGivenFunctionWithTheTopicName() {
        List<String> asked = new ArrayList<>();
        FailureDestination topicDestination = record -> { };
        FailureDestinations withKafka = FailureDestinations.builder().kafkaTopics(topic -> {
            asked.add(topic);
            return topicDestination;
        }).build();
        assertThat(withKafka.forArn("orders", "kafka://orders-failures")).isSameAs(topicDestination);
        assertThat(asked).containsExactly("orders-failures");
        assertThatThrownBy(() -> withKafka.forArn("orders", "kafka://.hidden"))
                .hasMessageStartingWith("on-failure destination 'kafka://.hidden' is not a valid Kafka topic");
        assertThat(asked).containsExactly("orders-failures");
    }

    /**
     * Lambda's pattern for a {@code kafka://} destination takes any first character but '.'; Kafka takes only letters,
     * digits, '.', '_' and '-' in a topic's name, so a topic such as {@code #orders} was taken when the mapping was
     * defined and then refused by the cluster at every delivery, holding the partition for good.
     */
    @Test
    void aKafkaTopicNameKafkaWouldRefuseIsRefusedWhenTheMappingIsDefined() {
        FailureDestinations withKafka = FailureDestinations.builder().kafkaTopics(topic -> record -> { }).build();
        for (String destination : List.of("kafka://#orders", "kafka:// orders", "kafka://$orders", "kafka://ö",
                "kafka:///orders")) {
            assertThatThrownBy(() -> withKafka.check("orders", destination)).as(destination)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("on-failure destination '" + destination + "' is not a valid Kafka topic: kafka:// "
                            + "and 1-249 letters, digits, '.', '_' or '-', not starting with '.'");
        }
        withKafka.check("orders", "kafka://_orders.failures-1");
        withKafka.check("orders", "kafka://-");
    }

    @Test
    void fifoQueuesAndTopicsAreRefused() {
        assertThatThrownBy(() -> destinations.forArn("orders", "arn:aws:sqs:us-east-1:000000000000:f.fifo"))
                .hasMessageContaining("is a FIFO queue");
        assertThatThrownBy(() -> destinations.forArn("orders", "arn:aws:sns:us-east-1:000000000000:f.fifo"))
                .hasMessageContaining("is a FIFO topic");
    }

    @Test
    void aDestinationWhoseClientWasNotGivenIsRefusedNamingTheClient() {
        FailureDestinations snsOnly = FailureDestinations.builder().sns(sns).build();

        assertThatThrownBy(() -> snsOnly.forArn("orders", "arn:aws:sqs:us-east-1:000000000000:q"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("on-failure destination arn:aws:sqs:us-east-1:000000000000:q needs an SqsClient, but "
                        + "FailureDestinations was built without one; give it with .sqs(client)");
        assertThatThrownBy(() -> snsOnly.forArn("orders", "arn:aws:s3:::bucket"))
                .hasMessageContaining("needs an S3Client");
    }

    @Test
    void checkRefusesWhatForArnRefusesWithoutClientsAndWithoutCallingAnything() {
        FailureDestinations none = FailureDestinations.builder().build();
        none.check("orders", "arn:aws:sqs:us-east-1:000000000000:missing-" + shortId());
        none.check("orders", "arn:aws:sns:us-east-1:000000000000:failures");
        none.check("orders", "arn:aws:s3:::failures-bucket");

        assertThatThrownBy(() -> none.check("orders", "arn:aws:sqs:us-east-1:000000000000:f.fifo"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is a FIFO queue");
        assertThatThrownBy(() -> none.check("orders", "arn:aws:sns:us-east-1:000000000000:f.fifo"))
                .hasMessageContaining("is a FIFO topic");
        assertThatThrownBy(() -> none.check("orders", "arn:aws:s3:::Not_A_Bucket"))
                .hasMessageContaining("bucket must be an S3 bucket name");
        assertThatThrownBy(() -> none.check("orders", "arn:aws:lambda:us-east-1:123456789012:function:f"))
                .hasMessageContaining("is an ARN of the service 'lambda'");
        assertThatThrownBy(() -> none.check("orders", ""))
                .hasMessageStartingWith("on-failure destination must be an SQS queue");
        assertThatThrownBy(() -> none.check("orders", "kafka://orders-failures"))
                .hasMessageContaining("built without a way to reach one");
        FailureDestinations withKafka = FailureDestinations.builder().kafkaTopics(topic -> {
            throw new AssertionError("check() reaches no topic");
        }).build();
        withKafka.check("orders", "kafka://orders-failures");
        assertThatThrownBy(() -> withKafka.check("orders", "kafka://.hidden"))
                .hasMessageStartingWith("on-failure destination 'kafka://.hidden' is not a valid Kafka topic");
    }

    /**
     * Every queue's and topic's ARN has a region and a 12-digit account (Lambda's API takes no other account). Without
     * them a client would look the queue up in its own region or account, or have every delivery refused while the
     * shard waits: refused when the mapping is defined, naming the value.
     */
    @Test
    void checkRefusesQueueAndTopicArnsWithoutARegionOrA12DigitAccountOrAValidName() {
        FailureDestinations none = FailureDestinations.builder().build();
        for (String bad : new String[] {"arn:aws:sqs:::failures", "arn:aws:sqs:us-east-1::failures",
                "arn:aws:sqs::123456789012:failures", "arn:aws:sqs:us-east-1:123:failures",
                "arn:aws:sqs:us-east-1:1234567890ab:failures", "arn::sqs:us-east-1:123456789012:failures",
                "arn:aws:sqs:us-east-1:123456789012:bad name", "arn:aws:sqs:us-east-1:123456789012:" + "q".repeat(81),
                "arn:aws:sns::123456789012:failures", "arn:aws:sns:us-east-1:123:failures"}) {
            assertThatThrownBy(() -> none.check("orders", bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("but was '" + bad + "'");
        }
        assertThatThrownBy(() -> none.check("orders", "arn:aws:sqs:us-east-1:123:failures"))
                .hasMessage("destination must be an SQS queue ARN (arn:<partition>:sqs:<region>:<account>:<queue>, "
                        + "the account 12 digits) but was 'arn:aws:sqs:us-east-1:123:failures'");
        none.check("orders", "arn:aws:sqs:elasticmq:000000000000:" + "q".repeat(80));
        none.check("orders", "arn:aws-cn:sns:cn-north-1:123456789012:failures_1");
    }

    /**
     * forArn refuses a queue or topic of another region than its client's, so a mapping with one could never start:
     * check, which a control plane (the worker's API and file) runs when the mapping is defined, refuses it too when
     * it has the clients, without calling anything.
     */
    @Test
    void checkRefusesAQueueOrTopicOfAnotherRegionThanTheClientsForArnWouldRefuse() {
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
        try (SqsClient usEastSqs = SqsClient.builder().region(Region.US_EAST_1).credentialsProvider(credentials)
                .build();
             SnsClient usEastSns = SnsClient.builder().region(Region.US_EAST_1).credentialsProvider(credentials)
                     .build()) {
            FailureDestinations usEast = FailureDestinations.builder().sqs(usEastSqs).sns(usEastSns).build();
            for (String arn : new String[] {"arn:aws:sqs:eu-west-1:123456789012:failures",
                    "arn:aws:sns:eu-west-1:123456789012:failures"}) {
                assertThatThrownBy(() -> usEast.forArn("orders", arn)).as(arn)
                        .hasMessageContaining(arn + " is a ").hasMessageContaining("in region eu-west-1");
                assertThatThrownBy(() -> usEast.check("orders", arn)).as(arn)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(arn + " is a ").hasMessageContaining("in region eu-west-1, but the ")
                        .hasMessageContaining("for region us-east-1");
            }
            usEast.check("orders", "arn:aws:sqs:us-east-1:123456789012:failures");
            usEast.check("orders", "arn:aws:sns:us-east-1:123456789012:failures");
        }
        // Clients with an endpoint override are trusted, as forArn trusts them.
        destinations.check("orders", "arn:aws:sqs:eu-west-1:123456789012:failures");
        destinations.check("orders", "arn:aws:sns:eu-west-1:123456789012:failures");
    }

    /** Resolving calls nothing: a missing queue fails each delivery (retried by the engine), naming the queue. */
    @Test
    void aMissingQueueFailsTheDeliveryNamingItsArn() {
        String arn = "arn:aws:sqs:us-east-1:000000000000:missing-" + shortId();
        FailureDestination destination = destinations.forArn("orders", arn);

        assertThatThrownBy(() -> destination.send(TestRecords.documented()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot deliver a failure record to SQS queue " + arn + ": ")
                .hasMessageContaining("The specified queue does not exist")
                .hasMessageContaining("nor could its URL be looked up (GetQueueUrl): ");
    }

    private static void send(FailureDestination destination, FailureRecord record) {
        try {
            destination.send(record);
        } catch (Exception e) {
            throw new AssertionError("the destination refused the record: " + e.getMessage(), e);
        }
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}

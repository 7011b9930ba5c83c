package io.esm4j.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.failure.FailureRecord;
import io.esm4j.sinks.sns.PublishedMessage;
import io.esm4j.sinks.sns.SnsWireServer;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;

/** The SNS failure destination against the wire-level SNS endpoint, in this JVM on a free loopback port. */
class SnsFailureDestinationTest {

    private static SnsWireServer server;
    private static SnsClient sns;
    private static SnsClient snsWithoutRetries;

    @BeforeAll
    static void startServer() throws Exception {
        server = SnsWireServer.start();
        sns = AwsClients.sns(server.endpoint());
        snsWithoutRetries = AwsClients.snsWithoutRetries(server.endpoint());
    }

    @AfterAll
    static void stopServer() throws Exception {
        Closer.closeAll(snsWithoutRetries, sns, server);
    }

    @Test
    void publishesTheRecordJsonAsTheWholeMessageWithoutAttributes() {
        String topic = createTopic("failures");
        FailureRecord record = TestRecords.documented();

        SnsFailureDestination.of(sns, topic).send(record);

        assertThat(server.published(topic)).singleElement().satisfies(message -> {
            assertThat(message.message()).isEqualTo(record.toJson());
            assertThat(message.messageAttributes()).isEmpty();
            assertThat(message.subject()).isNull();
            assertThat(message.messageStructure()).isNull();
        });
        LambdaShape.assertSameShape(server.published(topic).getFirst().message(), LambdaShape.queueOrTopicRecord());
    }

    @Test
    void aMappingDeliversItsPoisonRecordAndPassesItOnlyOnceTheTopicTakesIt() throws Exception {
        // The topic does not exist yet: SNS answers NotFound, as it would to a mapping whose topic was deleted.
        String name = "orders-sns-" + shortId();
        String topic = server.topicArn(name + "-failures");
        try (PoisonMapping run = PoisonMapping.start(name, SnsFailureDestination.of(sns, topic))) {
            run.assertCheckpointWaitsThrough(3);
            assertThat(server.published(topic)).isEmpty();

            sns.createTopic(r -> r.name(name + "-failures"));
            run.awaitCheckpointPastThePoison();

            assertThat(server.published(topic)).singleElement().extracting(PublishedMessage::message)
                    .satisfies(json -> {
                        LambdaShape.assertSameShape(json, LambdaShape.queueOrTopicRecord());
                        run.assertIsThePoisonRecord(json);
                    });
        }
    }

    @Test
    void aMissingTopicFailsTheDeliveryNamingTheTopicAndSnsReason() {
        String topic = server.topicArn("missing-" + shortId());

        assertThatThrownBy(() -> SnsFailureDestination.of(sns, topic).send(TestRecords.documented()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot deliver a failure record to SNS topic " + topic + ": ")
                .hasMessageContaining("Topic does not exist");
    }

    @Test
    void aThrottledPublishFailsTheDeliveryAndTheNextOneGoesThrough() {
        String topic = createTopic("throttled");
        SnsFailureDestination destination = SnsFailureDestination.of(snsWithoutRetries, topic);
        server.throttleNextPublishes(1);

        assertThatThrownBy(() -> destination.send(TestRecords.documented()))
                .hasMessageStartingWith("cannot deliver a failure record to SNS topic " + topic + ": ")
                .hasMessageContaining("Rate exceeded");
        destination.send(TestRecords.documented());

        assertThat(server.published(topic)).hasSize(1);
    }

    /**
     * A topic's MaximumMessageSize can be raised to 1 MiB: such a topic takes a record over 256 KiB, and only a record
     * over 1 MiB, which no topic takes, is refused before any request.
     */
    @Test
    void aTopicRaisedTo1MibTakesARecordOver256KbAndOnlyOneOver1MibIsRefusedBeforeAnyRequest() {
        String topic = sns.createTopic(r -> r.name("large-" + shortId())
                .attributes(Map.of("MaximumMessageSize", "1048576"))).topicArn();
        SnsFailureDestination destination = SnsFailureDestination.of(sns, topic);
        FailureRecord overDefault = TestRecords.ofJsonSize(SnsWireServer.MAX_MESSAGE_BYTES + 1);
        FailureRecord atLimit = TestRecords.ofJsonSize(SnsFailureDestination.MAX_MESSAGE_BYTES);
        FailureRecord overLimit = TestRecords.ofJsonSize(SnsFailureDestination.MAX_MESSAGE_BYTES + 1);

        destination.send(overDefault);
        destination.send(atLimit);
        int requests = server.publishRequests();
        assertThatThrownBy(() -> destination.send(overLimit))
                .isInstanceOfSatisfying(FailureRecordTooLargeException.class, e -> {
                    assertThat(e.sizeBytes()).isEqualTo(SnsFailureDestination.MAX_MESSAGE_BYTES + 1);
                    assertThat(e.limitBytes()).isEqualTo(SnsFailureDestination.MAX_MESSAGE_BYTES);
                    assertThat(e.destination()).isEqualTo("SNS topic " + topic);
                })
                .hasMessageContaining("1048577 bytes, over the 1048576-byte message limit")
                .hasMessageContaining("not truncated");

        assertThat(server.publishRequests()).isEqualTo(requests);
        assertThat(server.published(topic)).extracting(PublishedMessage::message)
                .containsExactly(overDefault.toJson(), atLimit.toJson());
    }

    /** A topic at the default 256 KiB refuses a larger record itself; the error says the size and what decides it. */
    @Test
    void aTopicAtTheDefaultLimitRefusesALargerRecordAndTheErrorSaysWhy() {
        String topic = createTopic("sizes");
        SnsFailureDestination destination = SnsFailureDestination.of(snsWithoutRetries, topic);
        FailureRecord atLimit = TestRecords.ofJsonSize(SnsWireServer.MAX_MESSAGE_BYTES);
        FailureRecord overLimit = TestRecords.ofJsonSize(SnsWireServer.MAX_MESSAGE_BYTES + 1);

        destination.send(atLimit);
        assertThatThrownBy(() -> destination.send(overLimit))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot deliver a failure record to SNS topic " + topic + ": ")
                .hasMessageContaining("Message too long")
                .hasMessageEndingWith("; the record's JSON is 262145 bytes, and a topic takes 262144 unless its "
                        + "MaximumMessageSize attribute is raised (up to 1048576)");

        assertThat(server.published(topic)).extracting(PublishedMessage::message).containsExactly(atLimit.toJson());
    }

    @Test
    void fifoTopicsAreRefusedAsAwsRefusesThem() {
        assertThatThrownBy(() -> SnsFailureDestination.of(sns, "arn:aws:sns:us-east-1:123456789012:failures.fifo"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("arn:aws:sns:us-east-1:123456789012:failures.fifo is a FIFO topic")
                .hasMessageContaining("must be a standard topic");
    }

    /** SNS answers every Publish to another region's topic with "Invalid parameter: TopicArn": a shard held for good. */
    @Test
    void refusesATopicArnOfAnotherRegionThanItsClients() {
        try (SnsClient usEast = SnsClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            assertThatThrownBy(() -> SnsFailureDestination.of(usEast, "arn:aws:sns:eu-west-1:123456789012:failures"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("destination arn:aws:sns:eu-west-1:123456789012:failures is a topic in region "
                            + "eu-west-1, but the SnsClient given for it is for region us-east-1; expected a client "
                            + "of the topic's region");
            assertThatThrownBy(() -> FailureDestinations.builder().sns(usEast).build()
                    .forArn("orders", "arn:aws:sns:eu-west-1:123456789012:failures"))
                    .hasMessageContaining("is a topic in region eu-west-1");
            assertThat(SnsFailureDestination.of(usEast, "arn:aws:sns:us-east-1:123456789012:failures").topicArn())
                    .isEqualTo("arn:aws:sns:us-east-1:123456789012:failures");
        }
    }

    @Test
    void anythingButATopicArnIsRefusedNamingTheValue() {
        for (String bad : new String[] {"failures", "arn:aws:sqs:us-east-1:123456789012:failures",
                "arn:aws:sns:us-east-1:123456789012:failures:0b2f1bd7-sub", "arn:aws:sns:us-east-1::failures", null}) {
            assertThatThrownBy(() -> SnsFailureDestination.of(sns, bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("destination must be an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<topic>, "
                            + "the account 12 digits) but was '" + bad + "'");
        }
    }

    private static String createTopic(String prefix) {
        return sns.createTopic(r -> r.name(prefix + "-" + shortId())).topicArn();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}

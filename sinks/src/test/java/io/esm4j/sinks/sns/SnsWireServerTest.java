package io.esm4j.sinks.sns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.InvalidParameterException;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.NotFoundException;
import software.amazon.awssdk.services.sns.model.ThrottledException;

/**
 * The test SNS endpoint answers the SDK as SNS's API reference says SNS does: the SDK's own parsers read its
 * responses, and its errors arrive as the SDK's exception types with SNS's codes and HTTP statuses.
 */
class SnsWireServerTest {

    private static SnsWireServer server;
    private static SnsClient sns;

    @BeforeAll
    static void start() throws Exception {
        server = SnsWireServer.start();
        sns = SnsClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "s")))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterAll
    static void stop() {
        try {
            if (sns != null) {
                sns.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void createTopicReturnsTheTopicArnAndIsIdempotent() {
        String name = "topic-" + UUID.randomUUID();

        String arn = sns.createTopic(r -> r.name(name)).topicArn();

        assertThat(arn).isEqualTo("arn:aws:sns:us-east-1:123456789012:" + name).isEqualTo(server.topicArn(name));
        assertThat(sns.createTopic(r -> r.name(name)).topicArn()).isEqualTo(arn);
    }

    @Test
    void publishReturnsAMessageIdAndKeepsWhatItWasGiven() {
        String arn = sns.createTopic(r -> r.name("t-" + UUID.randomUUID())).topicArn();

        String id = sns.publish(r -> r.topicArn(arn).message("{\"a\":\"é & <b>\"}").subject("s")
                .messageAttributes(Map.of("kind", MessageAttributeValue.builder().dataType("String")
                        .stringValue("test").build()))).messageId();

        assertThat(server.published(arn)).singleElement().satisfies(m -> {
            assertThat(m.messageId()).isEqualTo(id);
            assertThat(m.message()).isEqualTo("{\"a\":\"é & <b>\"}");
            assertThat(m.subject()).isEqualTo("s");
            assertThat(m.messageAttributes())
                    .containsExactly(Map.entry("kind", Map.of("DataType", "String", "StringValue", "test")));
        });
    }

    @Test
    void aMissingTopicIsNotFound() {
        String arn = server.topicArn("missing-" + UUID.randomUUID());

        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(arn).message("m")))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NotFound");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Topic does not exist");
                });
    }

    @Test
    void aDeletedTopicIsNotFound() {
        String arn = sns.createTopic(r -> r.name("deleted-" + UUID.randomUUID())).topicArn();
        sns.deleteTopic(r -> r.topicArn(arn));

        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(arn).message("m")))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void messagesOver256KbWithTheirAttributesAreInvalid() {
        String arn = sns.createTopic(r -> r.name("big-" + UUID.randomUUID())).topicArn();

        sns.publish(r -> r.topicArn(arn).message("x".repeat(SnsWireServer.MAX_MESSAGE_BYTES)));
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(arn).message("x".repeat(SnsWireServer.MAX_MESSAGE_BYTES + 1))))
                .isInstanceOfSatisfying(InvalidParameterException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Invalid parameter: Message too long");
                });
        // "k" + "String" + "v" = 8 bytes of attributes
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(arn).message("x".repeat(SnsWireServer.MAX_MESSAGE_BYTES - 7))
                .messageAttributes(Map.of("k", MessageAttributeValue.builder().dataType("String").stringValue("v")
                        .build()))))
                .isInstanceOf(InvalidParameterException.class);
        assertThat(server.published(arn)).hasSize(1);
    }

    @Test
    void aTopicsMaximumMessageSizeSetsItsLimitFrom1KibTo1Mib() {
        String arn = sns.createTopic(r -> r.name("large-" + UUID.randomUUID())
                .attributes(Map.of("MaximumMessageSize", "1048576"))).topicArn();

        sns.publish(r -> r.topicArn(arn).message("x".repeat(1_048_576)));
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(arn).message("x".repeat(1_048_577))))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Message too long");
        assertThat(server.published(arn)).hasSize(1);
        for (String bad : new String[] {"1023", "1048577", "big"}) {
            assertThatThrownBy(() -> sns.createTopic(r -> r.name("bad-" + UUID.randomUUID())
                    .attributes(Map.of("MaximumMessageSize", bad))))
                    .as(bad).isInstanceOf(InvalidParameterException.class).hasMessageContaining("MaximumMessageSize");
        }
    }

    @Test
    void anEmptyMessageAndABadArnAreInvalid() {
        String arn = sns.createTopic(r -> r.name("t-" + UUID.randomUUID())).topicArn();

        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(arn).message("")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Empty message");
        assertThatThrownBy(() -> sns.publish(r -> r.topicArn("not-an-arn").message("m")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Invalid parameter: TopicArn");
        assertThatThrownBy(() -> sns.createTopic(r -> r.name("bad name")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("Topic Name");
    }

    @Test
    void fifoTopicsNeedTheSuffixAndAMessageGroupId() {
        String name = "f-" + UUID.randomUUID() + ".fifo";
        assertThatThrownBy(() -> sns.createTopic(r -> r.name(name))).isInstanceOf(InvalidParameterException.class);
        String arn = sns.createTopic(r -> r.name(name).attributes(Map.of("FifoTopic", "true"))).topicArn();

        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(arn).message("m")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("MessageGroupId");
        sns.publish(r -> r.topicArn(arn).message("m").messageGroupId("g").messageDeduplicationId("d"));
        assertThat(server.published(arn)).singleElement().extracting(PublishedMessage::messageGroupId).isEqualTo("g");
    }

    @Test
    void throttledPublishesAreThrottledWith429() {
        String arn = sns.createTopic(r -> r.name("t-" + UUID.randomUUID())).topicArn();
        server.throttleNextPublishes(1);

        assertThatThrownBy(() -> sns.publish(r -> r.topicArn(arn).message("m")))
                .isInstanceOfSatisfying(ThrottledException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("Throttled");
                });
        sns.publish(r -> r.topicArn(arn).message("m"));
        assertThat(server.published(arn)).hasSize(1);
    }
}

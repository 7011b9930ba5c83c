package io.esm4j.testing;

import static io.esm4j.testing.QueueTestSupport.T0;
import static io.esm4j.testing.QueueTestSupport.poll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.queue.QueueMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InMemoryQueueMessageTest {

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryQueue queue = InMemoryQueue.standard("my-queue").clock(clock).build();

    @Test
    void md5OfBodyIsTheMd5OfTheUtf8Body() throws Exception {
        queue.send("Test message."); // the body of Lambda's sample SQS event, with its md5OfBody
        queue.send("Grüße, 世界 🎉");

        assertThat(queue.peekAll()).extracting(SqsLikeMessage::md5OfBody)
                .containsExactly("e4e68fb7bd0e697a0ae8f1bb342846b3", "ba3fc94507b33514dbbec9f41dba716c");
    }

    @Test
    void md5OfMessageAttributesMatchesAwsSamplesAndIsNullWithoutAttributes() throws Exception {
        queue.send("strings", Map.of(
                "test_attribute_name_2", MessageAttribute.string("test_attribute_value_2"),
                "test_attribute_name_1", MessageAttribute.string("test_attribute_value_1")));
        queue.send("binary", Map.of("test_attribute_name",
                MessageAttribute.binary("test_attribute_value".getBytes(StandardCharsets.UTF_8))));
        queue.send("none");

        assertThat(queue.peekAll()).extracting(SqsLikeMessage::md5OfMessageAttributes)
                .containsExactly("d53f3b558fe951154770f25cb63dbba9", "23f6bd27ea87aab7dfeadcc9aebee495", null);
    }

    @Test
    void aReceivedMessageCarriesSqsSystemAttributesInLambdasOrder() throws Exception {
        SendResult sent = queue.send("hello");
        clock.advance(Duration.ofMillis(2));

        QueueMessage<SqsLikeMessage> received = poll(queue, 1).getFirst();

        assertThat(received.messageId()).isEqualTo(sent.messageId()).isEqualTo(received.payload().messageId());
        assertThat(received.receiptHandle()).isEqualTo(received.payload().receiptHandle());
        assertThat(received.messageGroupId()).isNull();
        assertThat(sent.sequenceNumber()).isNull();
        assertThat(received.payload().attributes()).containsExactly(
                Map.entry("ApproximateReceiveCount", "1"),
                Map.entry("SentTimestamp", Long.toString(T0.toEpochMilli())),
                Map.entry("SenderId", StoredMessage.SENDER_ID),
                Map.entry("ApproximateFirstReceiveTimestamp", Long.toString(T0.toEpochMilli() + 2)));
        assertThat(received.payload().queueArn()).isEqualTo("arn:aws:sqs:local:000000000000:my-queue")
                .isEqualTo(queue.queueArn());
        assertThat(queue.fifo()).isFalse();
    }

    @Test
    void sizeBytesCountsTheUtf8BodyAndTheAttributeNamesTypesAndValues() throws Exception {
        queue.send("héllo", Map.of("k", MessageAttribute.string("v"), "n", MessageAttribute.number("42")));

        // body 6 + ("k" 1 + "String" 6 + "v" 1) + ("n" 1 + "Number" 6 + "42" 2)
        assertThat(poll(queue, 1).getFirst().sizeBytes()).isEqualTo(6 + 8 + 9);
    }

    @Test
    void messageAttributesComeBackSortedByNameAndBinaryValuesAreCopies() throws Exception {
        byte[] bytes = {1, 2, 3};
        queue.send("x", Map.of("b", MessageAttribute.binary(bytes), "a", MessageAttribute.string("1")));
        bytes[0] = 9;

        SqsLikeMessage message = poll(queue, 1).getFirst().payload();

        assertThat(message.messageAttributes()).containsOnlyKeys("a", "b");
        assertThat(message.messageAttributes().keySet()).containsExactly("a", "b");
        assertThat(message.messageAttributes().get("b").binaryValue()).containsExactly(1, 2, 3);
        assertThat(message.messageAttributes().get("b")).isEqualTo(MessageAttribute.binary(new byte[] {1, 2, 3}));
    }

    @Test
    void peekAllShowsEveryMessageInSendOrderWithoutReceivingIt() throws Exception {
        queue.send("a");
        queue.send("b");
        QueueMessage<SqsLikeMessage> a = poll(queue, 1).getFirst();

        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("a", "b");
        SqsLikeMessage b = queue.peekAll().get(1);
        assertThat(b.receiptHandle()).isNull();
        assertThat(b.attributes()).containsEntry("ApproximateReceiveCount", "0")
                .doesNotContainKey("ApproximateFirstReceiveTimestamp");
        assertThat(queue.peekAll().getFirst().receiptHandle()).isEqualTo(a.receiptHandle());
        assertThat(poll(queue, 10)).hasSize(1);
    }

    @Test
    void whatSqsWouldRefuseToSendIsRefused() {
        assertThatThrownBy(() -> queue.send(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> queue.send("bad\u0000char"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("InvalidMessageContents")
                .hasMessageContaining("U+0000").hasMessageContaining("index 3");
        assertThatThrownBy(() -> queue.send("x".repeat(SendChecks.MAX_MESSAGE_BYTES + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1048577");
        Map<String, MessageAttribute> eleven = IntStream.range(0, 11).boxed()
                .collect(Collectors.toMap(i -> "a" + i, i -> MessageAttribute.string("v")));
        assertThatThrownBy(() -> queue.send("x", eleven))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("11 message attributes");
        for (String name : new String[] {"AWS.x", "amazon.y", "a..b", ".a", "a.", "sp ace"}) {
            assertThatThrownBy(() -> queue.send("x", Map.of(name, MessageAttribute.string("v"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + name + "'");
        }
        Map<String, MessageAttribute> nullValue = new HashMap<>();
        nullValue.put("k", null);
        assertThatThrownBy(() -> queue.send("x", nullValue)).isInstanceOf(IllegalArgumentException.class);
        assertThat(queue.size()).isZero();
    }

    @Test
    void messageAttributesAreChecked() {
        assertThatThrownBy(() -> MessageAttribute.number("abc"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'abc'");
        assertThatThrownBy(() -> MessageAttribute.string(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty stringValue");
        assertThatThrownBy(() -> new MessageAttribute("Date", "x", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Date'");
        assertThat(new MessageAttribute("Number.int", "7", null).dataType()).isEqualTo("Number.int");
    }

    @Test
    void receiveChecksItsArguments() {
        assertThatThrownBy(() -> queue.receive(0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 1 and 10 but was 0");
        assertThatThrownBy(() -> queue.receive(11, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was 11");
        assertThatThrownBy(() -> queue.receive(1, Duration.ofSeconds(21)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT21S");
    }
}

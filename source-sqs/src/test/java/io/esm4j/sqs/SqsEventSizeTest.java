package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The 6 MB cap counts each message as the event JSON holds it (escapes, base64 and every field Lambda writes) and the
 * source's envelope once per batch: together, the event's exact length.
 */
class SqsEventSizeTest {

    /** Built without a call; the test sends nothing. */
    private static SqsClient client;
    private static SqsQueueSource source;

    @BeforeAll
    static void buildSource() {
        client = SqsClient.builder().region(Region.EU_WEST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build();
        source = SqsQueueSource.of(client, "https://sqs.eu-west-1.amazonaws.com/123456789012/orders");
    }

    @AfterAll
    static void closeClient() {
        client.close();
    }

    private static final String ARN = "arn:aws:sqs:eu-west-1:123456789012:orders";
    private static final String ALPHABET = "ab\"\\/\n\t\r\b\f\u0001\u001f\u007féü€😀 {}[]:,";

    @Test
    void everyRecordIsCountedAsTheEventWritesIt() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            SqsMessage record = randomRecord(random);
            assertThat(source.eventEnvelopeBytes() + SqsEventSize.inBatch(record))
                    .as("record %d", i).isEqualTo(utf8Length(SqsEventJson.write(List.of(record))));
        }
    }

    @Test
    void aBatchIsItsRecordsWithTheCommasBetweenThemAndTheEnvelope() {
        Random random = new Random(7);
        List<SqsMessage> batch = new ArrayList<>();
        long counted = source.eventEnvelopeBytes();
        for (int i = 0; i < 50; i++) {
            SqsMessage record = randomRecord(random);
            batch.add(record);
            counted += SqsEventSize.inBatch(record);
            assertThat(counted).as("a batch of %d", batch.size()).isEqualTo(utf8Length(SqsEventJson.write(batch)));
        }
    }

    /** A body of quotes doubles in the event: counted raw, six of 1 MB would have made a 12 MB invocation. */
    @Test
    void aReceivedMessageIsMeasuredWithItsEscapesAndMetadata() {
        Message message = Message.builder().messageId("m-1").receiptHandle("rh-1").md5OfBody("md5")
                .body("\"".repeat(1_000_000))
                .attributesWithStrings(Map.of(MessageSystemAttributeName.SENT_TIMESTAMP.toString(), "1700000000000"))
                .messageAttributes(Map.of("bin", MessageAttributeValue.builder().dataType("Binary")
                        .binaryValue(SdkBytes.fromByteArray(new byte[300])).build()))
                .md5OfMessageAttributes("md5-attributes").build();

        long size = SqsRecords.toQueueMessage(message, ARN, "eu-west-1").sizeBytes();

        SqsMessage record = SqsRecords.toRecord(message, ARN, "eu-west-1");
        assertThat(source.eventEnvelopeBytes() + size).isEqualTo(utf8Length(SqsEventJson.write(List.of(record))));
        assertThat(size).isGreaterThan(2_000_000);
    }

    private static SqsMessage randomRecord(Random random) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            attributes.put(text(random, 12), text(random, 20));
        }
        Map<String, SqsMessageAttribute> messageAttributes = new LinkedHashMap<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            messageAttributes.put(text(random, 8), switch (random.nextInt(3)) {
                case 0 -> SqsMessageAttribute.ofString("String" + text(random, 3), text(random, 30));
                case 1 -> SqsMessageAttribute.ofBinary("Binary", bytes(random, 40));
                default -> new SqsMessageAttribute(null, null, List.of(text(random, 5), text(random, 5)),
                        List.of(ByteBuffer.wrap(bytes(random, 7)), ByteBuffer.wrap(bytes(random, 0))),
                        "String");
            });
        }
        return new SqsMessage(text(random, 36), text(random, 60), text(random, 500), attributes, messageAttributes,
                messageAttributes.isEmpty() ? null : text(random, 32), text(random, 32), SqsMessage.EVENT_SOURCE,
                ARN, "eu-west-1");
    }

    private static String text(Random random, int maxLength) {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(maxLength + 1); i > 0; i--) {
            int at = random.nextInt(ALPHABET.length());
            text.append(Character.isHighSurrogate(ALPHABET.charAt(at)) ? ALPHABET.substring(at, at + 2)
                    : Character.isLowSurrogate(ALPHABET.charAt(at)) ? "x" : String.valueOf(ALPHABET.charAt(at)));
        }
        return text.toString();
    }

    private static byte[] bytes(Random random, int maxLength) {
        byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static long utf8Length(String json) {
        return json.getBytes(StandardCharsets.UTF_8).length;
    }
}

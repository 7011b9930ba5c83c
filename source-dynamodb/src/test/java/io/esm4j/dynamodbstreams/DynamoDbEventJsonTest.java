package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Lambda's DynamoDB event JSON, field by field. */
class DynamoDbEventJsonTest {

    private static final String ARN = "arn:aws:dynamodb:us-east-2:123456789012:table/my-table/stream/"
            + "2024-06-10T19:26:16.525";

    @Test
    void aModifyWithBothImagesIsWrittenInLambdasOrderAndFormats() {
        Map<String, AttributeValue> keys = new LinkedHashMap<>();
        keys.put("Id", AttributeValue.fromN("101"));
        Map<String, AttributeValue> newImage = new LinkedHashMap<>();
        newImage.put("Message", AttributeValue.fromS("This item has changed"));
        newImage.put("Id", AttributeValue.fromN("101"));
        newImage.put("Bin", AttributeValue.fromB(SdkBytes.fromUtf8String("hi")));
        newImage.put("Tags", AttributeValue.fromSs(List.of("a", "b")));
        newImage.put("Nested", AttributeValue.fromM(Map.of("ok", AttributeValue.fromBool(true))));
        newImage.put("List", AttributeValue.fromL(List.of(AttributeValue.fromNul(true), AttributeValue.fromN("1"))));
        Map<String, AttributeValue> oldImage = new LinkedHashMap<>();
        oldImage.put("Message", AttributeValue.fromS("New item!"));
        oldImage.put("Id", AttributeValue.fromN("101"));
        DynamoDbRecord record = new DynamoDbRecord("c81e728d9d4c2f636f067f89cc14862c", "MODIFY", "1.1",
                "aws:dynamodb", "us-east-2", new DynamoDbRecord.Dynamodb(Instant.ofEpochSecond(1428537600), keys,
                newImage, oldImage, "222", 59, "NEW_AND_OLD_IMAGES"), ARN, null);

        assertThat(DynamoDbEventJson.write(List.of(record))).isEqualTo("{\"Records\":[{"
                + "\"eventID\":\"c81e728d9d4c2f636f067f89cc14862c\",\"eventName\":\"MODIFY\",\"eventVersion\":\"1.1\","
                + "\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-2\",\"dynamodb\":{"
                + "\"ApproximateCreationDateTime\":1428537600,\"Keys\":{\"Id\":{\"N\":\"101\"}},"
                + "\"NewImage\":{\"Message\":{\"S\":\"This item has changed\"},\"Id\":{\"N\":\"101\"},"
                + "\"Bin\":{\"B\":\"aGk=\"},\"Tags\":{\"SS\":[\"a\",\"b\"]},\"Nested\":{\"M\":{\"ok\":{\"BOOL\":true}}},"
                + "\"List\":{\"L\":[{\"NULL\":true},{\"N\":\"1\"}]}},"
                + "\"OldImage\":{\"Message\":{\"S\":\"New item!\"},\"Id\":{\"N\":\"101\"}},"
                + "\"SequenceNumber\":\"222\",\"SizeBytes\":59,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
                + "\"eventSourceARN\":\"" + ARN + "\"}]}");
        assertThat(DynamoDbEventJson.size(record))
                .isEqualTo(DynamoDbEventJson.writeRecord(record).getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void theCountedSizeIsTheWrittenLengthForEveryTypeAndEscapedText() {
        Map<String, AttributeValue> image = new LinkedHashMap<>();
        image.put("quote\"back\\slash", AttributeValue.fromS("tab\tnl\ncr\rbell\u0007 é € 😀 / <>"));
        image.put("n", AttributeValue.fromN("-12.5e3"));
        image.put("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2, 3, 4})));
        image.put("t", AttributeValue.fromBool(true));
        image.put("f", AttributeValue.fromBool(false));
        image.put("nul", AttributeValue.fromNul(true));
        image.put("ss", AttributeValue.fromSs(List.of("a", "ü")));
        image.put("ns", AttributeValue.fromNs(List.of("1", "22", "333")));
        image.put("bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {9}),
                SdkBytes.fromByteArray(new byte[0]))));
        image.put("m", AttributeValue.fromM(Map.of("inner", AttributeValue.fromL(List.of(
                AttributeValue.fromM(Map.of()), AttributeValue.fromL(List.of()), AttributeValue.fromS(""))))));
        image.put("empty", AttributeValue.fromL(List.of()));
        DynamoDbRecord record = new DynamoDbRecord("id", "INSERT", null, "aws:dynamodb", null,
                new DynamoDbRecord.Dynamodb(Instant.ofEpochSecond(1_700_000_000L), Map.of("k",
                        AttributeValue.fromS("ключ")), image, image, "1234567890123456789012", 1_234, "NEW_IMAGE"),
                ARN, new DynamoDbRecord.UserIdentity("dynamodb.amazonaws.com", "Service"));
        assertThat(DynamoDbEventJson.size(record))
                .isEqualTo(DynamoDbEventJson.writeRecord(record).getBytes(StandardCharsets.UTF_8).length);
    }

    /**
     * The counted size against the written JSON for many random records: every attribute type nested in maps and
     * lists, binary sets, and text with every kind of character Jackson treats differently (quotes, backslash, the
     * short and the {@code \}{@code u00XX} escapes, DEL, two- and three-byte characters, U+2028, surrogate pairs).
     */
    @Test
    void theCountedSizeIsTheWrittenLengthForRandomDeepRecords() {
        java.util.Random random = new java.util.Random(20261207);
        for (int i = 0; i < 500; i++) {
            Map<String, AttributeValue> image = randomItem(random, 3);
            DynamoDbRecord record = new DynamoDbRecord(randomText(random), "MODIFY", "1.1", "aws:dynamodb",
                    "eu-west-1", new DynamoDbRecord.Dynamodb(Instant.ofEpochSecond(random.nextInt()),
                    Map.of(randomText(random), AttributeValue.fromS(randomText(random))), image,
                    random.nextBoolean() ? image : null, "4" + random.nextLong(), random.nextInt(400_000),
                    "NEW_AND_OLD_IMAGES"), ARN, random.nextBoolean() ? null
                    : new DynamoDbRecord.UserIdentity("dynamodb.amazonaws.com", "Service"));
            assertThat(DynamoDbEventJson.size(record)).as("record %d", i)
                    .isEqualTo(DynamoDbEventJson.writeRecord(record).getBytes(StandardCharsets.UTF_8).length);
        }
    }

    private static Map<String, AttributeValue> randomItem(java.util.Random random, int depth) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        int attributes = random.nextInt(6);
        for (int i = 0; i < attributes; i++) {
            item.put(randomText(random), randomValue(random, depth));
        }
        return item;
    }

    private static AttributeValue randomValue(java.util.Random random, int depth) {
        int type = random.nextInt(depth > 0 ? 10 : 8);
        return switch (type) {
            case 0 -> AttributeValue.fromS(randomText(random));
            case 1 -> AttributeValue.fromN(Long.toString(random.nextLong()) + (random.nextBoolean() ? ".5e-3" : ""));
            case 2 -> AttributeValue.fromB(randomBytes(random));
            case 3 -> AttributeValue.fromBool(random.nextBoolean());
            case 4 -> AttributeValue.fromNul(true);
            case 5 -> AttributeValue.fromSs(java.util.stream.Stream.generate(() -> randomText(random))
                    .limit(1 + random.nextInt(4)).toList());
            case 6 -> AttributeValue.fromNs(java.util.stream.Stream.generate(() -> Integer.toString(random.nextInt()))
                    .limit(1 + random.nextInt(4)).toList());
            case 7 -> AttributeValue.fromBs(java.util.stream.Stream.generate(() -> randomBytes(random))
                    .limit(1 + random.nextInt(4)).toList());
            case 8 -> AttributeValue.fromM(randomItem(random, depth - 1));
            default -> AttributeValue.fromL(java.util.stream.Stream.generate(() -> randomValue(random, depth - 1))
                    .limit(random.nextInt(4)).toList());
        };
    }

    private static final String[] PIECES = {"a", "Z", " ", "\"", "\\", "/", "\b", "\t", "\n", "\f", "\r", "\u0000",
        "\u0007", "\u001f", "\u007f", "\u0080", "é", "\u07ff", "\u0800", "€", "\u2028", "\uffff", "😀", "𝄞", "ключ"};

    private static String randomText(java.util.Random random) {
        StringBuilder text = new StringBuilder();
        int pieces = random.nextInt(8);
        for (int i = 0; i < pieces; i++) {
            text.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return text.toString();
    }

    private static SdkBytes randomBytes(java.util.Random random) {
        byte[] bytes = new byte[random.nextInt(8)];
        random.nextBytes(bytes);
        return SdkBytes.fromByteArray(bytes);
    }

    @Test
    void thePartitionKeyIsTheKeysAsJsonSortedByName() throws Exception {
        Map<String, AttributeValue> keys = new LinkedHashMap<>();
        keys.put("sk", AttributeValue.fromB(SdkBytes.fromUtf8String("hi")));
        keys.put("pk", AttributeValue.fromS("a\"b\u0001"));
        String key = RecordConverter.partitionKey(keys);
        assertThat(key).isEqualTo("{\"pk\":{\"S\":\"a\\\"b\\u0001\"},\"sk\":{\"B\":\"aGk=\"}}");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(key).get("pk").get("S").asText())
                .isEqualTo("a\"b\u0001");
        assertThat(RecordConverter.partitionKey(Map.of("n", AttributeValue.fromN("7")))).isEqualTo(
                "{\"n\":{\"N\":\"7\"}}");
    }

    @Test
    void aTimeToLiveDeleteCarriesUserIdentityAndNoNewImage() {
        DynamoDbRecord record = new DynamoDbRecord("e1", "REMOVE", "1.1", "aws:dynamodb", "us-east-2",
                new DynamoDbRecord.Dynamodb(Instant.ofEpochSecond(1), Map.of("Id", AttributeValue.fromN("1")), null,
                        null, "333", 7, "KEYS_ONLY"), ARN,
                new DynamoDbRecord.UserIdentity("dynamodb.amazonaws.com", "Service"));
        assertThat(DynamoDbEventJson.writeRecord(record)).isEqualTo("{\"eventID\":\"e1\",\"eventName\":\"REMOVE\","
                + "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-2\","
                + "\"dynamodb\":{\"ApproximateCreationDateTime\":1,\"Keys\":{\"Id\":{\"N\":\"1\"}},"
                + "\"SequenceNumber\":\"333\",\"SizeBytes\":7,\"StreamViewType\":\"KEYS_ONLY\"},"
                + "\"userIdentity\":{\"type\":\"Service\",\"principalId\":\"dynamodb.amazonaws.com\"},"
                + "\"eventSourceARN\":\"" + ARN + "\"}");
    }
}

package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * The event JSON against a golden file holding the SQS examples of the Lambda developer guide (standard and FIFO),
 * with the fields Lambda adds that the guide's example leaves out (a binary attribute, md5OfMessageAttributes, null
 * when there are no attributes). The comparison is on the exact compact text, so order and casing count.
 */
class SqsEventJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesLambdasEventFieldForFieldInLambdasOrder() throws IOException {
        Message standard = Message.builder()
                .messageId("059f36b4-87a3-44ab-83d2-661975830a7d")
                .receiptHandle("AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...")
                .body("Test message.")
                // Unordered on purpose: the record puts system attributes into Lambda's order.
                .attributesWithStrings(Map.of("SenderId", "AIDAIENQZJOLO23YVJ4VO",
                        "ApproximateFirstReceiveTimestamp", "1545082649185",
                        "SentTimestamp", "1545082649183",
                        "ApproximateReceiveCount", "1"))
                .messageAttributes(linked(
                        "myAttribute", MessageAttributeValue.builder().dataType("String").stringValue("myValue")
                                .build(),
                        "myBinary", MessageAttributeValue.builder().dataType("Binary")
                                .binaryValue(SdkBytes.fromByteArray(new byte[] {1, 2, 3})).build()))
                .md5OfMessageAttributes("7c815262be77a62f56671125069ca888")
                .md5OfBody("e4e68fb7bd0e697a0ae8f1bb342846b3")
                .build();
        Message fifo = Message.builder()
                .messageId("11d6ee51-4cc7-4302-9e22-7cd8afdaadf5")
                .receiptHandle("AQEBBX8nesZEXmkhsmZeyIE8iQAMig7qw...")
                .body("Test message.")
                .attributesWithStrings(Map.of("ApproximateFirstReceiveTimestamp", "1573251510774",
                        "MessageDeduplicationId", "1", "SenderId", "AIDAIO23YVJENQZJOL4VO",
                        "MessageGroupId", "1", "SequenceNumber", "18849496460467696128",
                        "SentTimestamp", "1573251510774", "ApproximateReceiveCount", "1"))
                .md5OfBody("e4e68fb7bd0e697a0ae8f1bb342846b3")
                .build();

        String json = SqsEventJson.write(List.of(
                SqsRecords.toRecord(standard, "arn:aws:sqs:us-east-2:123456789012:my-queue", "us-east-2"),
                SqsRecords.toRecord(fifo, "arn:aws:sqs:us-east-2:123456789012:fifo.fifo", "us-east-2")));

        assertThat(json).isEqualTo(golden("sqs-event.json"));
    }

    @Test
    void anEmptyBatchIsAnEmptyRecordList() {
        assertThat(SqsEventJson.write(List.of())).isEqualTo("{\"Records\":[]}");
    }

    private static Map<String, MessageAttributeValue> linked(String k1, MessageAttributeValue v1, String k2,
                                                             MessageAttributeValue v2) {
        Map<String, MessageAttributeValue> map = new LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = SqsEventJsonTest.class.getResourceAsStream(name)) {
            return JSON.readTree(in).toString();
        }
    }
}

package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.EncryptionType;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * A record's size is what the 6 MB invocation cap counts: its object in the event JSON, the comma before it and the
 * {@code {"Records":[]}} around it (the source declares no envelope of its own), in UTF-8 bytes exactly as
 * {@link KinesisEventJson} writes it.
 */
class RecordConverterTest {

    private static final String SHARD = "shardId-000000000006";
    private static final String STREAM = "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream";
    private static final String SEQUENCE = "49590338271490256608559692538361571095921575989136588898";

    private final RecordConverter converter = new RecordConverter(SHARD,
            "arn:aws:iam::123456789012:role/lambda-role", "us-east-2", STREAM);

    @Test
    void aRecordsSizeCoversItsEventJsonWhateverItsPartitionKey() {
        for (String key : List.of("1", "order-42", "quote\"and\\backslash", "tab\tnewline\ncontrol\u0001",
                "ключ-разбиения", "分区键".repeat(85), "emoji \uD83D\uDE00".repeat(30))) {
            for (int dataLength : new int[] {0, 1, 2, 3, 100, 1000}) {
                assertCovered(key, dataLength, EncryptionType.KMS, Instant.ofEpochMilli(1545084650987L));
                assertCovered(key, dataLength, null, Instant.ofEpochMilli(1545084650000L));
            }
        }
    }

    private void assertCovered(String key, int dataLength, EncryptionType encryption, Instant arrival) {
        Record record = Record.builder().sequenceNumber(SEQUENCE).partitionKey(key)
                .data(SdkBytes.fromByteArray(new byte[dataLength])).approximateArrivalTimestamp(arrival)
                .encryptionType(encryption).build();
        StreamRecord<KinesisRecord> converted = converter.convert(record).getFirst();
        int written = KinesisEventJson.write(List.of(converted.payload())).getBytes(StandardCharsets.UTF_8).length;

        assertThat(converted.sizeBytes()).as("size of a record with key '%s' and %d bytes of data", key, dataLength)
                .isEqualTo(written + ",".length());
    }
}

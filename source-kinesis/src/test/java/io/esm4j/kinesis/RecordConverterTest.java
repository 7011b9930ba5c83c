package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.EncryptionType;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * What the 6 MB invocation cap counts: the source's envelope ({@code eventEnvelopeBytes}) once per batch plus each
 * record's size (its object in the event JSON and the comma before it) must be the event's length in UTF-8 bytes,
 * exactly as {@link KinesisEventJson} writes it, for a batch of one record as for many.
 */
class RecordConverterTest {

    private static final String SHARD = "shardId-000000000006";
    private static final String STREAM = "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream";
    private static final String SEQUENCE = "49590338271490256608559692538361571095921575989136588898";

    /** Built without a call (stream by ARN); the test sends nothing. */
    private static KinesisClient client;
    private static KinesisStreamSource source;

    @BeforeAll
    static void buildSource() {
        client = KinesisClient.builder().region(Region.US_EAST_2)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build();
        source = KinesisStreamSource.builder(client).streamArn(STREAM).build();
    }

    @AfterAll
    static void closeClient() {
        client.close();
    }

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

    @Test
    void theEnvelopeAndTheRecordSizesAddUpToTheEventsLength() {
        List<StreamRecord<KinesisRecord>> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(converter.convert(record("key-" + i, i * 7, null, Instant.ofEpochMilli(1545084650987L + i)))
                    .getFirst());
            assertCounted(batch);
        }
    }

    private void assertCovered(String key, int dataLength, EncryptionType encryption, Instant arrival) {
        assertCounted(List.of(converter.convert(record(key, dataLength, encryption, arrival)).getFirst()));
    }

    private static Record record(String key, int dataLength, EncryptionType encryption, Instant arrival) {
        return Record.builder().sequenceNumber(SEQUENCE).partitionKey(key)
                .data(SdkBytes.fromByteArray(new byte[dataLength])).approximateArrivalTimestamp(arrival)
                .encryptionType(encryption).build();
    }

    private void assertCounted(List<StreamRecord<KinesisRecord>> batch) {
        String event = KinesisEventJson.write(batch.stream().map(StreamRecord::payload).toList());
        long counted = source.eventEnvelopeBytes(SHARD) + batch.stream().mapToLong(StreamRecord::sizeBytes).sum();

        assertThat(counted).as("counted size of %s", batch.stream().map(StreamRecord::partitionKey).toList())
                .isEqualTo(event.getBytes(StandardCharsets.UTF_8).length);
    }
}

package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.handler.Batch;
import io.esm4j.handler.TimeWindow;
import io.esm4j.stream.StreamRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KinesisEventJsonTest {

    private static final String SHARD = "shardId-000000000006";
    private static final String ROLE = "arn:aws:iam::123456789012:role/lambda-role";
    private static final String STREAM = "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream";

    @Test
    void writesLambdasKinesisEventByteForByte() throws IOException {
        List<KinesisRecord> records = List.of(
                record("49590338271490256608559692538361571095921575989136588898", "Hello, this is a test.",
                        1545084650987L),
                record("49590338271490256608559692540925702759324208523137515618", "This is only a test.",
                        1545084711166L));

        assertThat(KinesisEventJson.write(records)).isEqualTo(golden("kinesis-event.json"));
    }

    /** Each record writes itself as it is in the event: what the S3 on-failure destination's default writer uses. */
    @Test
    void aRecordWritesItselfAsInTheEvent() throws IOException {
        List<KinesisRecord> records = List.of(
                record("49590338271490256608559692538361571095921575989136588898", "Hello, this is a test.",
                        1545084650987L),
                record("49590338271490256608559692540925702759324208523137515618", "This is only a test.",
                        1545084711166L));

        assertThat("{\"Records\":[" + records.get(0).lambdaJson() + "," + records.get(1).lambdaJson() + "]}")
                .isEqualTo(golden("kinesis-event.json"));
    }

    @Test
    void writesArrivalTimesAsEpochSecondsWithTheMillisecondsAsFraction() {
        assertThat(KinesisEventJson.epochSeconds(Instant.ofEpochMilli(1545084650987L))).hasToString("1545084650.987");
        assertThat(KinesisEventJson.epochSeconds(Instant.ofEpochMilli(1545084650980L))).hasToString("1545084650.98");
        assertThat(KinesisEventJson.epochSeconds(Instant.ofEpochMilli(1545084650000L))).hasToString("1545084650.0");
        assertThat(KinesisEventJson.epochSeconds(Instant.ofEpochSecond(1545084650, 987_654_321)))
                .hasToString("1545084650.987");
    }

    /**
     * Lambda's event has no {@code encryptionType}: not in AWS's documented example, nor in events recorded from a
     * real mapping (LocalStack's snapshot tests, validated against AWS in 2024-12), although GetRecords may report it.
     */
    @Test
    void neverWritesEncryptionTypeAsLambdaDoesNot() {
        for (String encryption : new String[] {null, "NONE", "KMS"}) {
            KinesisRecord record = KinesisRecord.of(SHARD, KinesisRecord.Kinesis.of("k", "1", new byte[] {1},
                    Instant.ofEpochMilli(1000), encryption), ROLE, "us-east-2", STREAM);

            assertThat(KinesisEventJson.write(List.of(record)))
                    .contains("\"approximateArrivalTimestamp\":1.0},\"eventSource\"")
                    .doesNotContain("encryptionType");
        }
    }

    /**
     * A batch of a tumbling window: Lambda's window event, the records as for any batch, then the window, its state
     * (each value the JSON it holds) and the shard's fields, which a handler calling a real function sends it as is.
     */
    @Test
    void aBatchOfAWindowIsWrittenAsLambdasWindowEvent() {
        KinesisRecord record = record("49590338271490256608559692538361571095921575989136588898",
                "Hello, this is a test.", 1545084650987L);
        Batch<StreamRecord<KinesisRecord>> batch = new Batch<>(List.of(new StreamRecord<>(SHARD,
                record.kinesis().sequenceNumber(), "1", Instant.ofEpochMilli(1545084650987L), 22, record)), SHARD,
                STREAM, 1, new TimeWindow(Instant.parse("2018-12-17T22:10:30Z"), Instant.parse("2018-12-17T22:11:00Z"),
                        Map.of("count", "3"), false, false));

        assertThat(KinesisEventJson.write(batch)).isEqualTo(KinesisEventJson.write(List.of(record))
                .replaceFirst("}$", ",\"window\":{\"start\":\"2018-12-17T22:10:30Z\",\"end\":\"2018-12-17T22:11:00Z\"},"
                        + "\"state\":{\"count\":3},\"shardId\":\"" + SHARD + "\",\"eventSourceARN\":\"" + STREAM + "\","
                        + "\"isFinalInvokeForWindow\":false,\"isWindowTerminatedEarly\":false}"));
    }

    private static KinesisRecord record(String sequenceNumber, String data, long arrivalMillis) {
        KinesisRecord.Kinesis kinesis = KinesisRecord.Kinesis.of("1", sequenceNumber,
                data.getBytes(StandardCharsets.UTF_8), Instant.ofEpochMilli(arrivalMillis), "NONE");
        return KinesisRecord.of(SHARD, kinesis, ROLE, "us-east-2", STREAM);
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = KinesisEventJsonTest.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }
}

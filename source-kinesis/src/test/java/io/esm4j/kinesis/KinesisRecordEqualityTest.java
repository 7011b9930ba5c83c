package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A record is a value: one read twice, or built in a handler's test, equals the one the source made. */
class KinesisRecordEqualityTest {

    private static final Instant ARRIVAL = Instant.parse("2026-12-06T00:00:00Z");
    private static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/orders";

    private static KinesisRecord record(String data) {
        KinesisRecord.Kinesis kinesis = KinesisRecord.Kinesis.of("k", "4959033827149025660855969253836157109",
                data.getBytes(StandardCharsets.UTF_8), ARRIVAL, "NONE");
        return KinesisRecord.of("shardId-000000000000", kinesis, "arn:aws:iam::123456789012:role/esm4j", "eu-west-1",
                ARN);
    }

    @Test
    void recordsWithEqualDataAreEqual() {
        assertThat(record("{\"id\":1}")).isEqualTo(record("{\"id\":1}")).hasSameHashCodeAs(record("{\"id\":1}"))
                .isNotEqualTo(record("{\"id\":2}"));
        assertThat(record("{\"id\":1}").kinesis()).isEqualTo(record("{\"id\":1}").kinesis());
    }
}

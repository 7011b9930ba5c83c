package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A record is a value: one read twice, or built in a handler's test, equals the one the source made. */
class KafkaRecordEqualityTest {

    private static KafkaRecord record(String value, String header) {
        return new KafkaRecord("orders", 0, 42, 1_765_000_000_000L, "CREATE_TIME", bytes("k"), bytes(value),
                List.of(Map.of("trace", bytes(header)), Map.of("empty", new byte[0])));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void recordsWithEqualKeysValuesAndHeadersAreEqual() {
        assertThat(record("v", "t")).isEqualTo(record("v", "t")).hasSameHashCodeAs(record("v", "t"))
                .isNotEqualTo(record("w", "t"))
                .isNotEqualTo(record("v", "u"));
        KafkaRecord tombstone = new KafkaRecord("orders", 0, 42, -1, "NO_TIMESTAMP_TYPE", null, null, List.of());
        assertThat(tombstone).isEqualTo(new KafkaRecord("orders", 0, 42, -1, "NO_TIMESTAMP_TYPE", null, null,
                List.of())).isNotEqualTo(record("v", "t"));
    }
}

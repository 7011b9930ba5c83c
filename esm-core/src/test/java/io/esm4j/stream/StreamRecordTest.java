package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A numbered record (a Kafka offset) is the same record as one given its sequence number's text. */
class StreamRecordTest {

    private static final Instant ARRIVAL = Instant.parse("2026-12-06T00:00:00Z");

    @Test
    void aNumberedRecordsSequenceNumberIsItsDecimalTextAndItEqualsTheRecordGivenThatText() {
        StreamRecord<String> numbered = StreamRecord.numbered("orders-0", 1_234_567_890_123L, "k", ARRIVAL, 7, "v");
        StreamRecord<String> given = new StreamRecord<>("orders-0", "1234567890123", "k", ARRIVAL, 7, "v");

        assertThat(numbered.sequenceNumber()).isEqualTo("1234567890123");
        assertThat(numbered.sequenceNumber()).isSameAs(numbered.sequenceNumber());
        assertThat(numbered).isEqualTo(given).hasSameHashCodeAs(given).hasToString(given.toString());
        assertThat(StreamRecord.numbered("orders-0", 0, null, ARRIVAL, 0, "v").sequenceNumber()).isEqualTo("0");
        assertThat(numbered.sequenceNumberValue()).isEqualTo(1_234_567_890_123L);
        assertThat(given.sequenceNumberValue()).isEqualTo(-1);
    }

    @Test
    void recordsDifferingInAnyFieldAreNotEqual() {
        StreamRecord<String> record = new StreamRecord<>("s", "1", "k", ARRIVAL, 1, "v");

        assertThat(record).isNotEqualTo(new StreamRecord<>("t", "1", "k", ARRIVAL, 1, "v"))
                .isNotEqualTo(new StreamRecord<>("s", "2", "k", ARRIVAL, 1, "v"))
                .isNotEqualTo(new StreamRecord<>("s", "1", null, ARRIVAL, 1, "v"))
                .isNotEqualTo(new StreamRecord<>("s", "1", "k", ARRIVAL.plusMillis(1), 1, "v"))
                .isNotEqualTo(new StreamRecord<>("s", "1", "k", ARRIVAL, 2, "v"))
                .isNotEqualTo(new StreamRecord<>("s", "1", "k", ARRIVAL, 1, "w"));
    }

    /** The in-memory stream's payloads are byte arrays: a record read twice is the same record. */
    @Test
    void recordsWithEqualBytePayloadsAreEqual() {
        StreamRecord<byte[]> record = new StreamRecord<>("s", "1", "k", ARRIVAL, 1, new byte[] {1, 2});

        assertThat(record).isEqualTo(new StreamRecord<>("s", "1", "k", ARRIVAL, 1, new byte[] {1, 2}))
                .hasSameHashCodeAs(new StreamRecord<>("s", "1", "k", ARRIVAL, 1, new byte[] {1, 2}))
                .isNotEqualTo(new StreamRecord<>("s", "1", "k", ARRIVAL, 1, new byte[] {1, 3}));
    }

    @Test
    void invalidFieldsAreRefusedWithTheValueGiven() {
        assertThatThrownBy(() -> StreamRecord.numbered("s", -1, "k", ARRIVAL, 1, "v"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("sequenceNumber must be >= 0 but was -1");
        assertThatThrownBy(() -> new StreamRecord<>("s", "1", "k", ARRIVAL, -5, "v"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("sizeBytes must be >= 0 but was -5");
        assertThatThrownBy(() -> new StreamRecord<>("s", null, "k", ARRIVAL, 1, "v"))
                .isInstanceOf(NullPointerException.class).hasMessage("sequenceNumber");
    }
}

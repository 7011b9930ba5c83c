package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.stream.StreamRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The done prefix, for records given their sequence number as text and for numbered ones (Kafka offsets). */
class CheckpointTrackerTest {

    private static final Instant ARRIVAL = Instant.parse("2026-12-06T00:00:00Z");

    @Test
    void theCheckpointIsTheLastRecordOfTheDonePrefixWhicheverOrderRecordsAreDoneIn() {
        CheckpointTracker tracker = new CheckpointTracker(100);
        long first = tracker.registerAll(numbered(10, 5));

        tracker.markDone(first + 1);
        tracker.markDone(first + 2);
        assertThat(tracker.advance()).isNull();
        tracker.markDone(first);
        assertThat(tracker.advance()).isEqualTo("12");
        tracker.markDone(first + 4);
        assertThat(tracker.advance()).isNull();
        tracker.markDone(first + 3);
        assertThat(tracker.advance()).isEqualTo("14");
        assertThat(tracker.allDone()).isTrue();
    }

    @Test
    void textAndNumberedRecordsKeepTheirSequenceNumbersAcrossTheRingsGrowth() {
        CheckpointTracker tracker = new CheckpointTracker(1_000);
        List<StreamRecord<String>> read = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            read.add(i % 2 == 0 ? StreamRecord.numbered("s", 1_000 + i, null, ARRIVAL, 1, "v")
                    : new StreamRecord<>("s", "seq-" + i, null, ARRIVAL, 1, "v"));
        }
        long first = tracker.registerAll(read.subList(0, 10));
        tracker.markDone(first);
        assertThat(tracker.advance()).isEqualTo("1000");
        tracker.registerAll(read.subList(10, 40));

        for (int i = 1; i < 39; i++) {
            tracker.markDone(first + i);
        }
        assertThat(tracker.advance()).isEqualTo("1038");
        assertThat(tracker.inFlight()).isEqualTo(1);
        tracker.markDone(first + 39);
        assertThat(tracker.advance()).isEqualTo("seq-39");
    }

    @Test
    void moreRecordsThanTheCapacityOrADoneMarkOutsideTheRecordsInFlightAreRefused() {
        CheckpointTracker tracker = new CheckpointTracker(3);
        tracker.registerAll(numbered(0, 2));

        assertThatThrownBy(() -> tracker.registerAll(numbered(2, 2)))
                .isInstanceOf(IllegalStateException.class).hasMessage("more than 3 records in flight");
        assertThatThrownBy(() -> tracker.markDone(2))
                .isInstanceOf(IllegalStateException.class).hasMessage("record 2 is not in flight [0, 2)");
    }

    private static List<StreamRecord<String>> numbered(long firstOffset, int count) {
        List<StreamRecord<String>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(StreamRecord.numbered("s", firstOffset + i, null, ARRIVAL, 1, "v"));
        }
        return records;
    }
}

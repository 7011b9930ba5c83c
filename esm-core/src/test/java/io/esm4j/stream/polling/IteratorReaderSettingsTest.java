package io.esm4j.stream.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IteratorReaderSettingsTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @Test
    void ofUsesTheDefaultEmptyReadLimit() {
        assertThat(IteratorReaderSettings.of(4, 1_000, SECOND, SECOND).maxEmptyReadsWhileBehind())
                .isEqualTo(IteratorReaderSettings.DEFAULT_MAX_EMPTY_READS_WHILE_BEHIND);
    }

    @Test
    void rejectsCountsBelowOneNamingTheSettingAndValue() {
        assertThatThrownBy(() -> IteratorReaderSettings.of(0, 1_000, SECOND, SECOND))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("getRecordsPerSecond must be at least 1 but was 0");
        assertThatThrownBy(() -> IteratorReaderSettings.of(4, -1, SECOND, SECOND))
                .hasMessage("maxRecordsPerCall must be at least 1 but was -1");
        assertThatThrownBy(() -> new IteratorReaderSettings(4, 1_000, SECOND, SECOND, 0))
                .hasMessage("maxEmptyReadsWhileBehind must be at least 1 but was 0");
    }

    @Test
    void rejectsABackoffMaxBelowItsInitial() {
        assertThatThrownBy(() -> IteratorReaderSettings.of(4, 1_000, SECOND, Duration.ofMillis(500)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("throttleBackoffMax must be at least throttleBackoffInitial (PT1S) but was PT0.5S");
    }

    @Test
    void rejectsABackoffBelowOneMillisecond() {
        assertThatThrownBy(() -> IteratorReaderSettings.of(4, 1_000, Duration.ZERO, SECOND))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("throttleBackoffInitial must be at least 1 ms but was PT0S");
    }
}

package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KinesisPositionTest {

    @Test
    void aPlainRecordIsItsSequenceNumber() {
        KinesisPosition position = KinesisPosition.parse("49590338271490256608559692538361571095921575989136588898");

        assertThat(position.aggregated()).isFalse();
        assertThat(position).hasToString("49590338271490256608559692538361571095921575989136588898");
    }

    @Test
    void aSubRecordAddsItsSubSequenceNumber() {
        KinesisPosition position = new KinesisPosition("4959", 3);

        assertThat(position).hasToString("4959/3");
        assertThat(KinesisPosition.parse("4959/3")).isEqualTo(position);
        assertThat(position.aggregated()).isTrue();
    }

    @Test
    void rejectsWhatIsNotAPosition() {
        assertThatThrownBy(() -> KinesisPosition.parse("4959/")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'4959/'");
        assertThatThrownBy(() -> KinesisPosition.parse("abc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'abc'");
        assertThatThrownBy(() -> KinesisPosition.parse("")).isInstanceOf(IllegalArgumentException.class);
    }
}

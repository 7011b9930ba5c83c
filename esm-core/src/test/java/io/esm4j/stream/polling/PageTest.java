package io.esm4j.stream.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PageTest {

    @Test
    void aPageWithLagIsBehindWhileTheLagIsAboveZero() {
        assertThat(Page.<String>of(List.of(), "it", 5).behind()).isTrue();
        assertThat(Page.<String>of(List.of(), "it", 0).behind()).isFalse();
        assertThat(Page.<String>of(List.of(), "it", -1).behind()).isFalse();
    }

    @Test
    void noNextIteratorMeansTheShardIsClosed() {
        assertThat(Page.<String>of(List.of(), null, 0).shardClosed()).isTrue();
        assertThat(Page.<String>of(List.of(), "it", 0).shardClosed()).isFalse();
    }

    @Test
    void rejectsALagBelowMinusOne() {
        assertThatThrownBy(() -> new Page<String>(List.of(), "it", -2, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("millisBehindLatest must be >= 0, or -1 when unknown, but was -2");
    }
}

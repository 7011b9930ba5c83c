package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * IdlePollInterval counts from the start of the empty fetch, so a long-polling source is not made to wait twice; what
 * is left ends on the interval's tick (10 ms for 250 ms), shared with other idle shards.
 */
class IdleWaitTest {

    private static final Duration INTERVAL = Duration.ofMillis(250);
    private static final long MS = 1_000_000L;

    @Test
    void aFastEmptyFetchWaitsTheRestOfTheIntervalUpToTheNextTick() {
        long fetchStart = 1_000 * MS;
        assertThat(ShardSession.idleWait(INTERVAL, fetchStart, fetchStart + 10 * MS)).isEqualTo(Duration.ofMillis(240));
        assertThat(ShardSession.idleWait(INTERVAL, fetchStart + 3 * MS, fetchStart + 13 * MS))
                .isEqualTo(Duration.ofMillis(247));
    }

    @Test
    void aFetchThatLongPolledAsLongAsTheIntervalIsFollowedAtOnce() {
        assertThat(ShardSession.idleWait(INTERVAL, 0, INTERVAL.toNanos())).isZero();
        assertThat(ShardSession.idleWait(INTERVAL, 0, Duration.ofSeconds(1).toNanos())).isZero();
    }

    @Test
    void withoutAnIntervalThereIsNoWait() {
        assertThat(ShardSession.idleWait(Duration.ZERO, 0, 0)).isZero();
    }

    @Test
    void shortIntervalsAreNotAligned() {
        assertThat(ShardSession.idleWait(Duration.ofMillis(5), 7, 1_000_007)).isEqualTo(Duration.ofMillis(4));
    }
}

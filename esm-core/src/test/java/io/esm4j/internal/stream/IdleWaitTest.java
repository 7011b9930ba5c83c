package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** IdlePollInterval counts from the start of the empty fetch, so a long-polling source is not made to wait twice. */
class IdleWaitTest {

    private static final Duration INTERVAL = Duration.ofMillis(250);

    @Test
    void aFastEmptyFetchWaitsTheRestOfTheInterval() {
        assertThat(ShardSession.idleWait(INTERVAL, Duration.ofMillis(10).toNanos())).isEqualTo(Duration.ofMillis(240));
    }

    @Test
    void aFetchThatLongPolledAsLongAsTheIntervalIsFollowedAtOnce() {
        assertThat(ShardSession.idleWait(INTERVAL, INTERVAL.toNanos())).isZero();
        assertThat(ShardSession.idleWait(INTERVAL, Duration.ofSeconds(1).toNanos())).isZero();
    }

    @Test
    void withoutAnIntervalThereIsNoWait() {
        assertThat(ShardSession.idleWait(Duration.ZERO, 0)).isZero();
    }
}

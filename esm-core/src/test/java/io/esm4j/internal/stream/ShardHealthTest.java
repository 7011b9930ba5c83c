package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The oldest-undone mark of a shard belongs to one session at a time: a replaced session's late reports (its lanes
 * finishing, a reader that outlived its halt) neither bring back a mark nor move it.
 */
class ShardHealthTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    @Test
    void onlyTheSessionThatTookTheMarkMovesIt() {
        MutableClock clock = new MutableClock(NOW);
        ShardHealth health = new ShardHealth(clock);
        Object first = new Object();
        Object second = new Object();
        health.iteratorAge(0);
        health.takeUnfinished(first);
        health.unfinishedSince(first, NOW.toEpochMilli());
        clock.advance(Duration.ofSeconds(5));
        assertThat(health.iteratorAgeMillis()).isEqualTo(5_000);

        // Until the next session has read the shard again, the old mark stands: a restart does not hide a stuck shard.
        health.unfinishedSince(second, -1);
        assertThat(health.iteratorAgeMillis()).isEqualTo(5_000);

        health.takeUnfinished(second);
        health.unfinishedSince(second, -1);
        assertThat(health.iteratorAgeMillis()).isZero();

        health.unfinishedSince(first, NOW.toEpochMilli());
        clock.advance(Duration.ofMinutes(10));
        assertThat(health.iteratorAgeMillis()).isZero();
    }
}

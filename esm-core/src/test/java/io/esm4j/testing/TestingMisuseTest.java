package io.esm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The test doubles refuse a value they cannot work with when it is given, not at the first read far from it. */
class TestingMisuseTest {

    @Test
    void aStreamNameMustBeAKinesisStreamName() {
        assertThatThrownBy(() -> InMemoryStream.create(null, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("name must be a Kinesis stream name (1 to 128 letters, digits, '_', '-' or '.'; it ends "
                        + "the stream's ARN) but was null");
        assertThatThrownBy(() -> InMemoryStream.create("orders/eu", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("but was 'orders/eu'");
        assertThatThrownBy(() -> InMemoryStream.create("orders", 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("clock");
        assertThat(InMemoryStream.create("orders-2.eu_west", 1).streamArn())
                .isEqualTo("arn:aws:kinesis:local:000000000000:stream/orders-2.eu_west");
    }

    @Test
    void aMutableClockAlwaysHasATime() {
        assertThatThrownBy(() -> new MutableClock(null)).isInstanceOf(NullPointerException.class).hasMessage("start");
        MutableClock clock = MutableClock.startingNow();
        assertThatThrownBy(() -> clock.set(null)).isInstanceOf(NullPointerException.class).hasMessage("instant");
        Instant now = clock.instant();
        assertThat(now).isNotNull();
        assertThat(Clock.offset(clock, java.time.Duration.ZERO).instant()).isEqualTo(now);
    }
}

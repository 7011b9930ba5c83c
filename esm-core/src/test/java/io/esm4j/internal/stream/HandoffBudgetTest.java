package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An owner asked for a lease finishes within GracefulHandoffTimeout, however late in a listing interval it noticed. */
class HandoffBudgetTest {

    private static StreamSettings.Builder settings() {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON);
    }

    @Test
    void withTheDefaultsTheOwnerHasWhatTheListingIntervalLeavesOfTheTimeout() {
        // GracefulHandoffTimeout 30 s; a request is noticed within min(FailoverTime / 2, ShardSyncInterval) = 5 s.
        HandoffBudget budget = HandoffBudget.of(settings().build());
        assertThat(budget.drain()).isEqualTo(Duration.ofMillis(12_500));
        assertThat(budget.interruptGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(budget.finishBy()).isEqualTo(Duration.ofMillis(21_875));
        assertThat(Duration.ofSeconds(5).plus(budget.drain()).plus(budget.interruptGrace()))
                .isLessThan(Duration.ofSeconds(5).plus(budget.finishBy()))
                .isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aShortTimeoutShortensTheGraceOfInterruptedHandlersToo() {
        // The stop's fixed 5 s grace alone would outlast a 6 s timeout.
        HandoffBudget budget = HandoffBudget.of(settings().gracefulHandoffTimeout(Duration.ofSeconds(6))
                .shardSyncInterval(Duration.ofSeconds(1)).build());
        assertThat(budget.drain()).isEqualTo(Duration.ofMillis(2_500));
        assertThat(budget.interruptGrace()).isEqualTo(Duration.ofMillis(1_250));
        assertThat(budget.finishBy()).isEqualTo(Duration.ofMillis(4_375));
    }

    @Test
    void belowTwiceTheListingIntervalTheOwnerTakesHalfTheTimeoutAndTheMappingIsWarned() {
        // FailoverTime 60 s: listings every 30 s, as long as the timeout itself.
        StreamSettings tight = settings().failoverTime(Duration.ofSeconds(60)).build();
        assertThat(HandoffBudget.fits(tight)).isFalse();
        assertThat(HandoffBudget.of(tight).drain()).isEqualTo(Duration.ofMillis(7_500));
        assertThat(HandoffBudget.fits(settings().build())).isTrue();
    }
}

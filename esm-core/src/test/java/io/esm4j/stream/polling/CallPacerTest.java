package io.esm4j.stream.polling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CallPacerTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private long now = 1_000 * MS;
    private final List<Long> sleeps = new ArrayList<>();
    private final CallPacer pacer = new CallPacer(4, () -> now, nanos -> {
        sleeps.add(nanos);
        now += nanos;
    });

    @Test
    void theFirstCallGoesAtOnce() throws InterruptedException {
        pacer.awaitTurn();

        assertThat(sleeps).isEmpty();
    }

    @Test
    void callsInARowAreSpacedByOneOverTheRate() throws InterruptedException {
        pacer.awaitTurn();
        pacer.awaitTurn();
        now += 100 * MS;
        pacer.awaitTurn();

        assertThat(sleeps).containsExactly(250 * MS, 150 * MS);
    }

    @Test
    void aCallAfterALongPauseGoesAtOnceAndPacesFromThere() throws InterruptedException {
        pacer.awaitTurn();
        now += 5_000 * MS;
        pacer.awaitTurn();
        now += 10 * MS;
        pacer.awaitTurn();

        assertThat(sleeps).containsExactly(240 * MS);
    }

    @Test
    void rejectsANonPositiveRate() {
        assertThatThrownBy(() -> new CallPacer(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
    }
}

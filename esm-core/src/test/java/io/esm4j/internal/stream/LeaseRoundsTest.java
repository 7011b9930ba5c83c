package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** A coordinator round that cannot be handed to a pool thread. */
class LeaseRoundsTest {

    /**
     * The JVM cannot start another thread: the mapping stops through the engine's fatal path, as it does for a fatal
     * error in a round or a lease renewal, instead of retrying every second for good while its status shows nothing.
     */
    @Test
    void aRoundTheJvmCannotStartAThreadForStopsTheMapping() {
        List<Throwable> fatal = new CopyOnWriteArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger rounds = new AtomicInteger();
        BiConsumer<String, Runnable> noThreads = (name, task) -> {
            attempts.incrementAndGet();
            throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource "
                    + "limits reached");
        };
        LeaseRounds leaseRounds = new LeaseRounds("test", () -> {
            rounds.incrementAndGet();
            return 0;
        }, fatal::add, noThreads);
        leaseRounds.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> !fatal.isEmpty());
            assertThat(fatal).singleElement().isInstanceOf(OutOfMemoryError.class);
            assertThat(rounds).hasValue(0);
            // The rounds ended with it: no attempt follows (a retry would come a second later).
            await().pollDelay(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(attempts).hasValue(1));
        } finally {
            leaseRounds.stop();
        }
    }

    /** The pool refusing the task is not fatal: the round is tried again and runs. */
    @Test
    void aRoundThePoolRefusesIsTriedAgain() {
        List<Throwable> fatal = new CopyOnWriteArrayList<>();
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger rounds = new AtomicInteger();
        BiConsumer<String, Runnable> refusingOnce = (name, task) -> {
            if (attempts.incrementAndGet() == 1) {
                throw new RejectedExecutionException("injected: the pool refuses the first round");
            }
            LeaseThreads.call(name, task);
        };
        LeaseRounds leaseRounds = new LeaseRounds("test", () -> {
            rounds.incrementAndGet();
            return -1;
        }, fatal::add, refusingOnce);
        leaseRounds.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> rounds.get() == 1);
            assertThat(fatal).isEmpty();
            assertThat(attempts).hasValue(2);
        } finally {
            leaseRounds.stop();
        }
    }
}

package io.esm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The count of mappings that keep the JVM alive: one non-daemon thread while any holds it, none once the last lets go,
 * whatever order holds and releases race in. Each test has a keep-alive of its own, so the JVM's mappings (other test
 * classes' in this JVM) do not count.
 */
class KeepAliveTest {

    /** Only a bound for a broken keep-alive: a released thread ends at once. */
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void theFirstHoldStartsOneNonDaemonThreadAndTheLastReleaseEndsIt() throws Exception {
        KeepAlive keepAlive = new KeepAlive("test-keep-alive");
        assertThat(keepAlive.thread()).isNull();

        KeepAlive.Hold first = keepAlive.hold();
        Thread thread = keepAlive.thread();
        assertThat(thread).isNotNull();
        assertThat(thread.getName()).isEqualTo("test-keep-alive");
        assertThat(thread.isDaemon()).isFalse();
        assertThat(thread.isAlive()).isTrue();
        KeepAlive.Hold second = keepAlive.hold();
        assertThat(keepAlive.thread()).as("one thread for every hold").isSameAs(thread);

        first.release();
        first.release();
        assertThat(keepAlive.holds()).as("a hold released twice counts once").isEqualTo(1);
        assertThat(thread.isAlive()).as("a hold is left").isTrue();
        second.release();
        assertThat(thread.join(DEADLINE)).as("the thread ends with the last hold").isTrue();
        assertThat(keepAlive.thread()).isNull();
        assertThat(keepAlive.holds()).isZero();
    }

    @Test
    void aHoldTakenOnADaemonThreadStillKeepsTheJvmAlive() throws Exception {
        KeepAlive keepAlive = new KeepAlive("test-keep-alive");
        List<KeepAlive.Hold> holds = new ArrayList<>();
        Thread.ofVirtual().start(() -> holds.add(keepAlive.hold())).join();
        Thread thread = keepAlive.thread();
        assertThat(thread).isNotNull();
        assertThat(thread.isDaemon()).as("not inherited from the virtual thread that took the hold").isFalse();
        holds.getFirst().release();
        assertThat(thread.join(DEADLINE)).isTrue();
    }

    /**
     * The last release and a new hold, released together, again and again: the new hold always finds a live thread
     * (the old one waiting still, or a new one), and once it is released no thread is left.
     */
    @Test
    void aHoldRacingTheLastReleaseIsNeverLeftWithoutAThreadNorIsAThreadLeftWithoutAHold() throws Exception {
        KeepAlive keepAlive = new KeepAlive("test-keep-alive");
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 300; round++) {
                KeepAlive.Hold last = keepAlive.hold();
                CountDownLatch go = new CountDownLatch(1);
                Future<?> release = pool.submit(() -> {
                    go.await();
                    last.release();
                    return null;
                });
                Future<KeepAlive.Hold> hold = pool.submit(() -> {
                    go.await();
                    KeepAlive.Hold taken = keepAlive.hold();
                    assertHeld(keepAlive);
                    return taken;
                });
                go.countDown();
                release.get();
                KeepAlive.Hold taken = hold.get();
                assertThat(keepAlive.holds()).as("round %d", round).isEqualTo(1);
                assertHeld(keepAlive);

                Thread thread = keepAlive.thread();
                taken.release();
                assertThat(thread.join(DEADLINE)).as("round %d: the thread ends with the last hold", round).isTrue();
                assertThat(keepAlive.thread()).as("round %d", round).isNull();
            }
        }
    }

    /** Many mappings starting and stopping at once: every hold sees the thread, and none is left after the last. */
    @Test
    void holdsAndReleasesOnManyThreadsAtOnceLeaveNoThreadBehind() throws Exception {
        KeepAlive keepAlive = new KeepAlive("test-keep-alive");
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> tasks = new ArrayList<>();
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                tasks.add(pool.submit(() -> {
                    go.await();
                    for (int cycle = 0; cycle < 500; cycle++) {
                        KeepAlive.Hold hold = keepAlive.hold();
                        seen.add(assertHeld(keepAlive));
                        hold.release();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> task : tasks) {
                task.get();
            }
        }
        assertThat(keepAlive.holds()).isZero();
        for (Thread thread : seen) {
            assertThat(thread.join(DEADLINE)).as("%s ends once nothing holds it", thread).isTrue();
        }
        assertThat(keepAlive.thread()).isNull();
    }

    /** What a holder must see: a live non-daemon thread. */
    private static Thread assertHeld(KeepAlive keepAlive) {
        Thread thread = keepAlive.thread();
        assertThat(thread).as("the thread while a hold is taken").isNotNull();
        assertThat(thread.isAlive()).isTrue();
        assertThat(thread.isDaemon()).isFalse();
        return thread;
    }
}

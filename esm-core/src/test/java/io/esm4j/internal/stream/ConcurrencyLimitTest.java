package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * MaximumConcurrency's permits: first come, first served (a busy shard cannot overtake one that waits), a released
 * permit goes to the longest waiter, and a waiter that is cancelled or interrupted leaves no permit behind.
 */
class ConcurrencyLimitTest {

    private static final BooleanSupplier NEVER = () -> false;

    private final ConcurrencyLimit limit = new ConcurrencyLimit(2);

    @Test
    void waitersGetPermitsInTheOrderTheyAskedAndNoNewcomerOvertakesThem() throws Exception {
        assertThat(limit.acquire(NEVER)).isTrue();
        assertThat(limit.acquire(NEVER)).isTrue();
        List<String> served = new CopyOnWriteArrayList<>();
        CompletableFuture<Boolean> first = acquireAsync("first", served, NEVER);
        await().until(() -> limit.waiting() == 1);
        CompletableFuture<Boolean> second = acquireAsync("second", served, NEVER);
        await().until(() -> limit.waiting() == 2);

        limit.release();
        assertThat(first.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(second).isNotDone();
        // A permit that comes back while someone waits is handed over: a newcomer queues behind the waiter.
        CompletableFuture<Boolean> third = acquireAsync("third", served, NEVER);
        await().until(() -> limit.waiting() == 2);
        limit.release();
        assertThat(second.get(30, TimeUnit.SECONDS)).isTrue();
        limit.release();
        assertThat(third.get(30, TimeUnit.SECONDS)).isTrue();

        assertThat(served).containsExactly("first", "second", "third");
        assertThat(limit.inUse()).isEqualTo(2);
    }

    @Test
    void aCancelledWaiterLeavesTheQueueWithoutAPermit() throws Exception {
        limit.acquire(NEVER);
        limit.acquire(NEVER);
        AtomicBoolean closed = new AtomicBoolean();
        CompletableFuture<Boolean> waiter = acquireAsync("closing", new CopyOnWriteArrayList<>(), closed::get);
        await().until(() -> limit.waiting() == 1);

        closed.set(true);
        limit.wakeWaiters();
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isFalse();
        assertThat(limit.waiting()).isZero();
        limit.release();
        assertThat(limit.inUse()).isEqualTo(1);
    }

    @Test
    void anInterruptedWaiterLeavesTheQueueAndThePermitsStayCounted() throws Exception {
        limit.acquire(NEVER);
        limit.acquire(NEVER);
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        CompletableFuture<Boolean> waiter = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            thread.complete(Thread.currentThread());
            try {
                waiter.complete(limit.acquire(NEVER));
            } catch (Throwable e) {
                waiter.completeExceptionally(e);
            }
        });
        await().until(() -> limit.waiting() == 1);

        thread.get().interrupt();
        assertThat(waiter).failsWithin(30, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(InterruptedException.class);
        assertThat(limit.waiting()).isZero();
        limit.release();
        limit.release();
        assertThat(limit.inUse()).isZero();
    }

    private CompletableFuture<Boolean> acquireAsync(String name, List<String> served, BooleanSupplier cancelled) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                boolean acquired = limit.acquire(cancelled);
                if (acquired) {
                    served.add(name);
                }
                result.complete(acquired);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }
}

package io.esm4j.internal;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * An engine's stop, run once, on a thread of its own that its callers wait for: so that it ends even if the caller
 * that began it is interrupted, or is one of the handlers it drains (which the stop interrupts at its timeout). Run by
 * that caller, it would end half-way: leases still held, the mapping DISABLING for good and, through its keep-alive,
 * holding the JVM. Such a caller gets its InterruptedException; a later stop the result.
 */
public final class StopOnce<R> {

    private final String mappingName;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CompletableFuture<R> result = new CompletableFuture<>();

    public StopOnce(String mappingName) {
        this.mappingName = mappingName;
    }

    /** True for the first caller only, which then {@link #run}s the stop; every later one {@link #await}s it. */
    public boolean claim() {
        return claimed.compareAndSet(false, true);
    }

    /** Whether a stop has begun. */
    public boolean claimed() {
        return claimed.get();
    }

    /**
     * Runs {@code stop} on a thread of its own and waits for it (see {@link #await()}). If no thread can start, on the
     * caller's: a stop claimed and never run would leave the mapping DISABLING, and every later stop waiting, for good.
     */
    public R run(Callable<R> stop) throws InterruptedException {
        Runnable run = () -> {
            try {
                result.complete(stop.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        };
        try {
            EngineThreads.start(Thread.ofVirtual().name("esm4j-" + mappingName + "-stop"), run);
        } catch (ThreadNotStarted e) {
            run.run();
        }
        return await();
    }

    /** The stop's result, once it has ended; what it threw, as it threw it if unchecked. */
    public R await() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw unwrapped(e);
        }
    }

    /** The stop's result if it ends within {@code wait}, else null. */
    public @Nullable R await(Duration wait) throws InterruptedException {
        try {
            return result.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw unwrapped(e);
        } catch (TimeoutException e) {
            return null;
        }
    }

    private RuntimeException unwrapped(ExecutionException e) {
        return switch (e.getCause()) {
            case RuntimeException runtime -> runtime;
            case Error error -> throw error;
            case null, default -> new IllegalStateException("stopping mapping " + mappingName + " failed",
                    e.getCause());
        };
    }
}

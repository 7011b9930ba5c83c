package io.esm4j.internal;

import io.esm4j.internal.retry.RetryBackoff;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An engine's stop, run once, on a thread of its own that its callers wait for: so that it ends even if the caller
 * that began it is interrupted, or is one of the handlers it drains (which the stop interrupts at its timeout). Run by
 * that caller, it would end half-way: leases still held, the mapping DISABLING for good and, through its keep-alive,
 * holding the JVM. Such a caller gets its InterruptedException; a later stop the result.
 */
public final class StopOnce<R> {

    private static final Logger LOG = LoggerFactory.getLogger(StopOnce.class);

    /** A fatal error's call of the engine's stop(). */
    @FunctionalInterface
    public interface FatalStop {
        void run() throws InterruptedException;
    }

    private final String mappingName;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CompletableFuture<R> result = new CompletableFuture<>();
    /** Open once a stop has begun: ends the wait of a fatal error's stop that waits to try its thread again. */
    private final CountDownLatch begun = new CountDownLatch(1);

    public StopOnce(String mappingName) {
        this.mappingName = mappingName;
    }

    /** True for the first caller only, which then {@link #run}s the stop; every later one {@link #await}s it. */
    public boolean claim() {
        if (!claimed.compareAndSet(false, true)) {
            return false;
        }
        begun.countDown();
        return true;
    }

    /** Whether a stop has begun. */
    public boolean claimed() {
        return claimed.get();
    }

    /**
     * Waits up to {@code wait} for a stop to begin; true once one has. For a retry that must not give up (a fatal
     * error's stop whose thread could not start: given up, the mapping would stay DISABLING for good): an interrupt
     * neither ends the wait nor is lost, the flag being set again on return. A stop that begins ends it at once, so
     * that stop does not wait out the backoff for the thread that waits here.
     */
    public boolean awaitBegun(Duration wait) {
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (true) {
                try {
                    return begun.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Starts a fatal error's {@code stop} on a virtual thread of its own, so that the thread that met the error need
     * not wait for the drain: an interrupt ends it quietly, any other failure is logged (the mapping stays as that
     * stop left it).
     *
     * @throws ThreadNotStarted if no thread can start for now: the caller tries again ({@link #retryUntilBegun})
     */
    public void startFatalStop(FatalStop stop) {
        EngineThreads.start(Thread.ofVirtual().name("esm4j-" + mappingName + "-fatal-stop"), () -> {
            try {
                stop.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.atError().addKeyValue("mapping", mappingName).setCause(e)
                        .log("stopping the mapping after a fatal error failed");
            }
        });
    }

    /**
     * Tries {@code begin} (attempt 1, 2, ...: true once it began a stop) until it does or a stop has begun, waiting the
     * backoff's delay between attempts ({@link #awaitBegun}: neither an interrupt nor the backoff outlasts a stop that
     * begins). For a fatal error's stop, whose thread may not start for now (a process at its thread limit).
     */
    public void retryUntilBegun(RetryBackoff backoff, IntPredicate begin) {
        for (int attempt = 1; !claimed() && !begin.test(attempt); attempt++) {
            if (awaitBegun(backoff.delay(attempt))) {
                return;
            }
        }
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

    private RuntimeException unwrapped(ExecutionException e) {
        return switch (e.getCause()) {
            case RuntimeException runtime -> runtime;
            case Error error -> throw error;
            case null, default -> new IllegalStateException("stopping mapping " + mappingName + " failed",
                    e.getCause());
        };
    }
}

package io.esm4j.worker.invoke;

import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.HandlerThread;
import io.esm4j.settings.HandlerThreads;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A function's timeout and concurrency limit, shared by every mapping that invokes it: at most
 * {@code maxConcurrency} invocations in flight (the others wait for a slot, which holds the batch back as Lambda's
 * throttling does), and an invocation that runs past the timeout is interrupted and counts as failed. An
 * invocation holds its slot until its thread has ended, also after its timeout. Each invocation runs on a thread of
 * its own, {@code invoke-<function>}, of the kind the function's {@code HandlerThreads} asks for.
 * <p>
 * An HTTP target ({@code Lambda:}, {@code Url:}) ends its own attempts before the timeout and says how they ended (a
 * connection never made is a function not reached); its limits ({@link #selfTimed}) wait {@link #SELF_TIMED_GRACE}
 * past the timeout for that outcome before they interrupt it. Its clock starts a moment after theirs, and on a busy
 * machine its outcome can come later still: cut at the timeout itself, a connection that hung to the end became a
 * timed-out function, which uses up a retry attempt and bisects, instead of one not reached.
 */
public final class TargetLimits {

    /** How long an HTTP target's own outcome is waited for past the timeout, on top of its 0.1 s margin. */
    static final Duration SELF_TIMED_GRACE = Duration.ofSeconds(5);

    private final String function;
    private final Semaphore slots;
    private final Duration timeout;
    private final HandlerThreads threads;
    private final Duration grace;

    public TargetLimits(String function, int maxConcurrency, Duration timeout, HandlerThreads threads) {
        this(function, maxConcurrency, timeout, threads, Duration.ZERO);
    }

    private TargetLimits(String function, int maxConcurrency, Duration timeout, HandlerThreads threads,
                         Duration grace) {
        this.function = function;
        this.slots = new Semaphore(maxConcurrency, true);
        this.timeout = timeout;
        this.threads = threads;
        this.grace = grace;
    }

    /** The limits of an HTTP target, which ends its own calls within {@code timeout}. */
    public static TargetLimits selfTimed(String function, int maxConcurrency, Duration timeout) {
        return new TargetLimits(function, maxConcurrency, timeout, HandlerThreads.VIRTUAL, SELF_TIMED_GRACE);
    }

    public <R> BatchHandler<R> wrap(BatchHandler<R> handler) {
        return batch -> {
            slots.acquire();
            FutureTask<@Nullable BatchResult> task = new FutureTask<>(() -> handler.handle(batch));
            // The slot is the invocation thread's until it ends: an invocation that timed out but ignores the
            // interrupt (a Java handler in a loop) still runs, and must not let another start beside it.
            try {
                HandlerThread.builder(threads, "invoke-" + function).start(() -> {
                    try {
                        task.run();
                    } finally {
                        slots.release();
                    }
                });
            } catch (RuntimeException | Error e) {
                slots.release();
                throw e;
            }
            try {
                return task.get(timeout.plus(grace).toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                task.cancel(true);
                throw new TimeoutException("function " + function + " did not answer within its Timeout of "
                        + timeout.toSeconds() + " s");
            } catch (InterruptedException e) {
                task.cancel(true);
                throw e;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw e;
            }
        };
    }

    /** Invocations in flight now. */
    public int inFlight(int maxConcurrency) {
        return maxConcurrency - slots.availablePermits();
    }
}

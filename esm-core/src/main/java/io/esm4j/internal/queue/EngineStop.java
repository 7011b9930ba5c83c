package io.esm4j.internal.queue;

import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Fatal;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stop request every poller of a mapping watches. It comes from {@code stop()}, or from a poller that met a fatal
 * error: then the mapping stops by itself, DISABLING with a reason naming the error, and DISABLED once the last
 * poller has ended.
 */
final class EngineStop {

    private static final Logger LOG = LoggerFactory.getLogger(EngineStop.class);

    private final String mappingName;
    private final MappingStatus status;
    private final CountDownLatch requested = new CountDownLatch(1);
    private final AtomicInteger pollersRunning;
    private final AtomicBoolean fatal = new AtomicBoolean();
    /** What a fatal error begins besides the request: the engine's stop, which interrupts what is still running. */
    private final Runnable fatalStop;

    EngineStop(String mappingName, MappingStatus status, int pollers, Runnable fatalStop) {
        this.mappingName = mappingName;
        this.status = status;
        this.pollersRunning = new AtomicInteger(pollers);
        this.fatalStop = fatalStop;
    }

    boolean isRequested() {
        return requested.getCount() == 0;
    }

    void request() {
        requested.countDown();
    }

    /** Waits up to {@code timeout}; returns true as soon as a stop is requested. */
    boolean await(Duration timeout) throws InterruptedException {
        return requested.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops the mapping because {@code component} met an error that retrying cannot heal. */
    void fatal(String component, Throwable error) {
        fatal.set(true);
        if (status.beginStop("PROBLEM: fatal error in " + component + ": " + Fatal.describe(error))) {
            LOG.atError().addKeyValue("mapping", mappingName).addKeyValue("component", component).setCause(error)
                    .log("fatal error; stopping the mapping");
            // Pollers end after their batch; one whose handler hangs would keep the mapping DISABLING (and the JVM
            // alive) for good: the stop interrupts it at its timeout, as a stream mapping's fatal stop does.
            fatalStop.run();
        } else {
            LOG.atError().addKeyValue("mapping", mappingName).addKeyValue("component", component).setCause(error)
                    .log("fatal error while the mapping stops");
        }
        request();
    }

    /** Called by each poller as its thread ends; after a fatal error the last one completes the stop. */
    void pollerEnded() {
        if (pollersRunning.decrementAndGet() == 0 && fatal.get()) {
            status.stopped();
        }
    }
}

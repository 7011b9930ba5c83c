package io.esm4j.internal.queue;

import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Fatal;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stop request every poller of a mapping watches. It comes from {@code stop()}, or from a poller that met a fatal
 * error: then the mapping stops by itself, DISABLING with a reason naming the error, through the engine's own stop,
 * which makes it DISABLED once every poller has ended.
 */
final class EngineStop {

    private static final Logger LOG = LoggerFactory.getLogger(EngineStop.class);

    private final String mappingName;
    private final MappingStatus status;
    private final CountDownLatch requested = new CountDownLatch(1);
    /** What a fatal error begins besides the request: the engine's stop, which interrupts what is still running. */
    private final Runnable fatalStop;

    EngineStop(String mappingName, MappingStatus status, Runnable fatalStop) {
        this.mappingName = mappingName;
        this.status = status;
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
        // First: every poller stops taking messages, even while the engine's stop has to wait for a thread.
        request();
        if (status.beginStop("PROBLEM: fatal error in " + component + ": " + Fatal.describe(error))) {
            LOG.atError().addKeyValue("mapping", mappingName).addKeyValue("component", component).setCause(error)
                    .log("fatal error; stopping the mapping");
            // The engine's stop: DISABLED once every poller has ended, after interrupting, at its timeout, one whose
            // handler hangs (which would keep the mapping DISABLING, and the JVM alive, for good).
            fatalStop.run();
        } else {
            LOG.atError().addKeyValue("mapping", mappingName).addKeyValue("component", component).setCause(error)
                    .log("fatal error while the mapping stops");
        }
    }
}

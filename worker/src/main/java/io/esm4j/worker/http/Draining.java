package io.esm4j.worker.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Whether the worker is stopping. While its mappings drain, the HTTP server keeps answering, so that a liveness probe
 * does not kill the process in the middle of its drain and the last metrics can be scraped: readiness says
 * {@code draining} (503), and this filter refuses calls of the mapping API, whose registry is shutting down.
 *
 * <p>The filter also counts the API calls it let through, so that a stop waits for them ({@link #awaitCalls}) before
 * it stops the mappings and lets the data directory go: a create, update or delete that passed the filter just before
 * the stop began would otherwise change the mapping store, or install a mapping, after the worker stopped them.
 */
public final class Draining extends Filter {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition callEnded = lock.newCondition();
    // Guarded by lock.
    private boolean active;
    private int callsInFlight;

    /** From now on the worker drains and every API call is refused; it never ends (the process stops after it). */
    public void begin() {
        lock.lock();
        try {
            active = true;
        } finally {
            lock.unlock();
        }
    }

    public boolean active() {
        lock.lock();
        try {
            return active;
        } finally {
            lock.unlock();
        }
    }

    /**
     * After {@link #begin()}: waits until the API calls let through before it have ended, at most {@code timeout}.
     *
     * @return how many still run (0 when all ended)
     */
    public int awaitCalls(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            long left = timeout.toNanos();
            while (callsInFlight > 0 && left > 0) {
                left = callEnded.awaitNanos(left);
            }
            return callsInFlight;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        if (!enter()) {
            try (exchange) {
                Exchanges.error(exchange, 503, "ServiceException", "The worker is stopping and drains its mappings; "
                        + "send the request to another worker.");
            }
            return;
        }
        try {
            chain.doFilter(exchange);
        } finally {
            exit();
        }
    }

    /** Counts the call in, unless the worker drains: one decision, so a stop never misses a call it let through. */
    private boolean enter() {
        lock.lock();
        try {
            if (active) {
                return false;
            }
            callsInFlight++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void exit() {
        lock.lock();
        try {
            callsInFlight--;
            callEnded.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String description() {
        return "refuses mapping API calls while the worker drains, and counts those it let through";
    }
}

package io.esm4j.worker.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the worker is stopping. While its mappings drain, the HTTP server keeps answering, so that a liveness probe
 * does not kill the process in the middle of its drain and the last metrics can be scraped: readiness says
 * {@code draining} (503), and this filter refuses calls of the mapping API, whose registry is shutting down.
 */
public final class Draining extends Filter {

    private final AtomicBoolean active = new AtomicBoolean();

    /** From now on the worker drains; it never ends (the process stops after the drain). */
    public void begin() {
        active.set(true);
    }

    public boolean active() {
        return active.get();
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        if (!active.get()) {
            chain.doFilter(exchange);
            return;
        }
        try (exchange) {
            Exchanges.error(exchange, 503, "ServiceException", "The worker is stopping and drains its mappings; "
                    + "send the request to another worker.");
        }
    }

    @Override
    public String description() {
        return "refuses mapping API calls while the worker drains";
    }
}

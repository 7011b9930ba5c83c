package io.esm4j.worker.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.esm4j.worker.mappings.ManagedMapping;
import io.esm4j.worker.mappings.MappingRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.List;

/**
 * The operations endpoints: {@code /health} (JSON with liveness, readiness and each mapping's state),
 * {@code /health/live} (200 while the worker serves, also while it drains; 503 once a mapping met a class whose static
 * initializer failed, which only a new process runs again), {@code /health/ready} (200 when every
 * enabled mapping runs without a problem, 503 otherwise and while the worker drains), {@code /metrics} (Prometheus
 * text format) and {@code /} (the status page). Each answer reads in-memory state only.
 */
public final class OperationsHandler implements HttpHandler {

    private final MappingRegistry registry;
    private final PrometheusMeterRegistry meters;
    private final StatusPage statusPage;
    private final Draining draining;

    public OperationsHandler(MappingRegistry registry, PrometheusMeterRegistry meters, String workerId,
                             Draining draining) {
        this.registry = registry;
        this.meters = meters;
        this.draining = draining;
        this.statusPage = new StatusPage(registry, workerId);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                Exchanges.send(exchange, 405, "text/plain", "only GET and HEAD\n");
                return;
            }
            switch (path) {
                case "/health" -> Exchanges.json(exchange, 200, health());
                case "/health/live" -> {
                    List<String> unhealable = unhealable();
                    Exchanges.send(exchange, unhealable.isEmpty() ? 200 : 503, "text/plain", unhealable.isEmpty()
                            ? "live\n" : "not live: " + String.join("\n", unhealable) + "\n");
                }
                case "/health/ready" -> {
                    boolean ready = ready();
                    Exchanges.send(exchange, ready ? 200 : 503, "text/plain", ready ? "ready\n"
                            : draining.active() ? "draining\n" : !registry.storeReadOnce() ? "not ready: "
                            + unread() + "\n" : "not ready\n");
                }
                case "/metrics" -> Exchanges.send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                        meters.scrape());
                case "/", "/status" -> Exchanges.send(exchange, 200, "text/html; charset=utf-8", statusPage.render());
                default -> Exchanges.send(exchange, 404, "text/plain", "not found: " + path + "\n");
            }
        }
    }

    /**
     * What keeps the worker from being live: each mapping that met a class whose static initializer failed, which the
     * JVM never runs again, so that only a restart of the process (by its orchestrator, on this answer) heals it.
     */
    private List<String> unhealable() {
        return registry.list().stream().filter(mapping -> mapping.processRestartNeeded() != null)
                .map(mapping -> "mapping " + mapping.uuid() + ": " + mapping.processRestartNeeded()).toList();
    }

    /** Why a shared mapping store has not been read yet, as the readiness probe's answer says it. */
    private String unread() {
        String problem = registry.refreshProblem();
        return problem == null ? "the mappings in " + registry.storeLocation() + " have not been read yet"
                : problem + " (not read once since the start)";
    }

    private boolean ready() {
        // A shared mapping store never read since the start: which of the fleet's mappings to run is not known yet.
        return !draining.active() && registry.storeReadOnce()
                && registry.list().stream().allMatch(ManagedMapping::ready);
    }

    private ObjectNode health() {
        List<ManagedMapping> mappings = registry.list();
        ObjectNode json = Exchanges.JSON.createObjectNode();
        boolean drain = draining.active();
        boolean ready = !drain && registry.storeReadOnce() && mappings.stream().allMatch(ManagedMapping::ready);
        String storeProblem = registry.refreshProblem();
        // A shared mapping store that cannot be read, once it was read since the start, does not make the worker
        // unready (its mappings run on, and every worker of the fleet shares the store), but the worker is not all
        // well: API writes fail and other workers' changes are not applied here.
        json.put("status", drain ? "DRAINING" : ready && storeProblem == null ? "UP" : "DEGRADED");
        json.put("live", mappings.stream().allMatch(mapping -> mapping.processRestartNeeded() == null));
        json.put("ready", ready);
        json.put("draining", drain);
        ObjectNode store = json.putObject("mappingStore");
        store.put("location", registry.storeLocation());
        store.put("refreshFailures", registry.refreshFailures());
        store.put("problem", storeProblem);
        store.put("readOnce", registry.storeReadOnce());
        ArrayNode list = json.putArray("mappings");
        for (ManagedMapping mapping : mappings) {
            ObjectNode entry = list.addObject();
            entry.put("UUID", mapping.uuid());
            entry.put("State", mapping.state());
            entry.put("StateTransitionReason", mapping.stateTransitionReason());
            entry.put("ready", mapping.ready());
            entry.put("fatalRestarts", mapping.fatalRestarts());
            entry.put("processRestartNeeded", mapping.processRestartNeeded());
        }
        return json;
    }
}

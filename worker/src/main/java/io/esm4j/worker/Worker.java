package io.esm4j.worker;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.settings.StreamSettings;
import io.esm4j.worker.config.Endpoints;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.WorkerFile;
import io.esm4j.worker.http.ApiAuthentication;
import io.esm4j.worker.http.Draining;
import io.esm4j.worker.http.MappingsApi;
import io.esm4j.worker.http.OperationsHandler;
import io.esm4j.worker.invoke.Targets;
import io.esm4j.worker.mappings.MappingRegistry;
import io.esm4j.worker.mappings.MappingStore;
import io.esm4j.worker.mappings.SourcePairs;
import io.esm4j.worker.source.AwsClients;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.WorkerContext;
import io.esm4j.worker.state.StateStores;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * A running worker: its mappings (from the file, the API and the data directory), their clients and targets, and the
 * HTTP server with Lambda's mapping API, health, metrics and the status page. {@link #close()} drains every mapping
 * and writes its final checkpoints.
 */
public final class Worker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /**
     * How long a stop waits for the mapping API calls in progress (each reads and writes the mapping store once) before
     * it stops the mappings; one still running then changes nothing the stop has finished: no mapping starts any more,
     * and {@code mappings.json} refuses writes before the data directory is let go.
     */
    static final Duration API_CALLS_WAIT = Duration.ofSeconds(5);

    private final WorkerOptions options;
    private final AwsClients clients;
    private final MappingRegistry registry;
    private final HttpServer server;
    private final PrometheusMeterRegistry meters;
    private final StateStores state;
    private final Draining draining;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Worker(WorkerOptions options, AwsClients clients, MappingRegistry registry, HttpServer server,
                   PrometheusMeterRegistry meters, StateStores state, Draining draining) {
        this.options = options;
        this.clients = clients;
        this.registry = registry;
        this.server = server;
        this.meters = meters;
        this.state = state;
        this.draining = draining;
    }

    /** Reads the file, checks every mapping (an invalid one fails here, naming it), starts the server and mappings. */
    public static Worker start(WorkerOptions options) throws IOException {
        WorkerFile file = options.configFile() == null ? WorkerFile.empty() : readFile("--config",
                options.configFile(), WorkerFile::read);
        ApiAuthentication authentication = options.apiKeys() == null ? null
                : readFile("--api-keys", options.apiKeys(), ApiAuthentication::fromFile);
        // The AWS SDK's own endpoint settings, for the services called without an SDK client; the file's and the
        // command line's overrides win over them, as the SDK's code overrides win over its settings.
        Endpoints endpoints = Endpoints.configured(System.getenv(), System.getProperties());
        for (var override : file.endpoints().overrides().entrySet()) {
            endpoints = endpoints.with(override.getKey(), override.getValue());
        }
        for (var override : options.endpoints().overrides().entrySet()) {
            endpoints = endpoints.with(override.getKey(), override.getValue());
        }
        Region region = options.region() != null ? options.region() : defaultRegion();
        AwsCredentialsProvider credentials = options.credentials() != null ? options.credentials()
                : DefaultCredentialsProvider.builder().build();
        AwsClients clients = new AwsClients(region, credentials, endpoints);
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        StateStores state;
        try {
            state = StateStores.open(options.leases(), options.mappings(), options.dataDirectory(),
                    clients.dynamodb(), new SourcePairs(region.id()));
        } catch (RuntimeException | IOException e) {
            clients.close();
            throw e;
        }
        Duration failoverTime = failoverTime(options);
        // Leases do not record their holder's FailoverTime, and every worker of a lease table must have the same:
        // each worker says its own, so that a fleet can be checked (count the distinct values across workers).
        Gauge.builder("WorkerFailoverTime", failoverTime, time -> time.toMillis() / 1000.0).baseUnit("seconds")
                .description("--failover-time of this worker; must be the same on every worker of a lease table")
                .register(meters);
        WorkerContext context = new WorkerContext(clients, meters, state.leases(), options.workerId(),
                options.mskPublicEndpoints(), options.streamTuning());
        Functions functions = new Functions(file.functions().named(), endpoints);
        MappingStore store = state.mappings();
        MappingRegistry registry = new MappingRegistry(SourceFactories.discover(), functions,
                new Targets(credentials, region.id()), context, store, options.drainTimeout(), Clock.systemUTC());
        HttpServer server;
        try {
            registry.load(file.mappings());
            server = listen(options);
        } catch (RuntimeException | IOException e) {
            state.close();
            clients.close();
            throw e;
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Draining draining = new Draining();
        HttpContext api = server.createContext(MappingsApi.PATH, new MappingsApi(registry, region.id()));
        api.getFilters().add(draining);
        if (authentication != null) {
            api.getFilters().add(authentication);
        }
        server.createContext("/", new OperationsHandler(registry, meters, options.workerId(), draining));
        server.start();
        registry.start();
        Worker worker = new Worker(options, clients, registry, server, meters, state, draining);
        LOG.info("worker started workerId={} url={} mappings={} dataDirectory={} mappingStore={} apiAuthentication={} "
                + "failoverTimeMs={}", options.workerId(), worker.url(), registry.list().size(),
                options.dataDirectory().toAbsolutePath(), store.location(),
                authentication == null ? "none" : "sigv4", failoverTime.toMillis());
        String exposure = exposureWarning(server.getAddress(), authentication != null);
        if (exposure != null) {
            LOG.warn(exposure);
        }
        return worker;
    }

    /**
     * A warning when the mapping API answers callers off this machine without authentication: whoever reaches the
     * port can create mappings that read the worker's sources and send their records to any URL. Null on loopback or
     * with {@code --api-keys}.
     */
    static @Nullable String exposureWarning(InetSocketAddress bound, boolean authenticated) {
        if (authenticated || bound.getAddress() == null || bound.getAddress().isLoopbackAddress()) {
            return null;
        }
        return "the mapping API listens on " + bound.getAddress().getHostAddress() + ":" + bound.getPort()
                + " without authentication: anyone who can reach it can create, change and delete mappings; give "
                + "--api-keys, or keep --bind on 127.0.0.1 or a private network only trusted callers reach";
    }

    /** The FailoverTime of the worker's stream mappings: {@code --failover-time}, else esm-core's default. */
    private static Duration failoverTime(WorkerOptions options) {
        Duration given = options.streamTuning().failoverTime();
        return given != null ? given : StreamSettings.FAILOVER_TIME.defaultValue();
    }

    /** The base URL of the API, health, metrics and status page. */
    public URI url() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    /** For the worker's own tests: MappingRegistry is not API (its package is not exported). */
    MappingRegistry registry() {
        return registry;
    }

    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /**
     * Refuses new API calls and waits for those in progress (at most {@link #API_CALLS_WAIT}), drains every mapping
     * (final checkpoints, leases released), stops the HTTP server, closes the stores (their file writes ended) and lets
     * the data directory go, then closes the clients. Health, metrics and the status page answer until the drain has
     * ended: live, not ready.
     */
    @Override
    public void close() throws InterruptedException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("worker stopping drainTimeout={}", options.drainTimeout());
        draining.begin();
        try {
            int calls = draining.awaitCalls(API_CALLS_WAIT);
            if (calls > 0) {
                LOG.warn("mapping API calls still running at the stop; the mappings stop without waiting for them "
                        + "callsInFlight={} waitedSeconds={}", calls, API_CALLS_WAIT.toSeconds());
            }
            registry.shutdown(options.drainTimeout());
        } finally {
            server.stop(0);
        }
        state.close();
        clients.close();
        LOG.info("worker stopped");
    }

    /** What an option names, read; a file that cannot be read is an error naming the option and the file. */
    private static <T> T readFile(String option, Path file, FileReader<T> reader) throws IOException {
        try {
            return reader.read(file);
        } catch (IOException e) {
            throw new CannotStartException(option, file, e);
        }
    }

    private interface FileReader<T> {
        T read(Path file) throws IOException;
    }

    /** The HTTP server on --bind and --port; an address that does not resolve or is taken names both options. */
    private static HttpServer listen(WorkerOptions options) throws IOException {
        InetSocketAddress address = new InetSocketAddress(options.bindAddress(), options.port());
        String named = options.bindAddress() + " --port " + options.port();
        if (address.isUnresolved()) {
            throw new CannotStartException("--bind", named, new IOException("the address does not resolve; "
                    + "expected an IP address or a host name of this machine, e.g. 127.0.0.1 or 0.0.0.0"));
        }
        try {
            return HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new CannotStartException("--bind", named, e);
        }
    }

    private static Region defaultRegion() {
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            return Region.US_EAST_1;
        }
    }

    static Duration parseDuration(String flag, String value) {
        long seconds;
        try {
            seconds = Long.parseLong(value);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 0 || seconds > WorkerOptions.MAX_DRAIN_TIMEOUT.toSeconds()) {
            throw new IllegalArgumentException("Invalid value for " + flag + ": " + value + ". Expected whole "
                    + "seconds from 0 to " + WorkerOptions.MAX_DRAIN_TIMEOUT.toSeconds() + ".");
        }
        return Duration.ofSeconds(seconds);
    }
}

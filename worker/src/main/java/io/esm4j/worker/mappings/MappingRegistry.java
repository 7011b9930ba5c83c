package io.esm4j.worker.mappings;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Targets;
import io.esm4j.worker.mappings.ManagedMapping.Origin;
import io.esm4j.worker.source.MappingTarget;
import io.esm4j.worker.source.RunningMapping;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.SourceFactory;
import io.esm4j.worker.source.WorkerContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's mappings: created from the file and the API, validated through the source factories, started and
 * restarted by one supervisor (a failed start is retried with backoff and shows in the state transition reason),
 * persisted when made through the API, and drained together at shutdown.
 */
public final class MappingRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(MappingRegistry.class);
    private static final Duration TICK = Duration.ofMillis(250);
    private static final Duration START_BACKOFF_MAX = Duration.ofSeconds(30);

    private final Map<String, ManagedMapping> mappings = new ConcurrentHashMap<>();
    private final SourceFactories factories;
    private final Functions functions;
    private final Targets targets;
    private final WorkerContext context;
    private final @Nullable MappingStore store;
    private final Duration stopTimeout;
    private final Clock clock;
    private final AtomicLong startFailures = new AtomicLong();
    private final ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("esm4j-worker-supervisor").daemon().factory());

    /**
     * @param store       persists API mappings; null keeps them in memory only
     * @param stopTimeout how long an update or delete waits for the old mapping to drain
     */
    public MappingRegistry(SourceFactories factories, Functions functions, Targets targets, WorkerContext context,
                           @Nullable MappingStore store, Duration stopTimeout, Clock clock) {
        this.factories = factories;
        this.functions = functions;
        this.targets = targets;
        this.context = context;
        this.store = store;
        this.stopTimeout = stopTimeout;
        this.clock = clock;
    }

    /** A registry persisting API mappings in {@code dataDirectory/mappings.json}. */
    public static MappingRegistry persistent(SourceFactories factories, Functions functions, Targets targets,
                                             WorkerContext context, java.nio.file.Path dataDirectory,
                                             Duration stopTimeout) {
        return new MappingRegistry(factories, functions, targets, context, new MappingStore(dataDirectory),
                stopTimeout, Clock.systemUTC());
    }

    /** Adds the file's mappings (stable UUIDs from source and function) and the persisted API mappings. */
    public void load(List<MappingSpec> fileMappings) throws IOException {
        for (MappingSpec spec : fileMappings) {
            String uuid = UUID.nameUUIDFromBytes((spec.source() + "\n" + spec.functionName())
                    .getBytes(StandardCharsets.UTF_8)).toString();
            add(uuid, spec, Origin.FILE, CompletableFuture.completedFuture(null));
        }
        if (store != null) {
            for (MappingStore.Stored stored : store.load()) {
                ManagedMapping mapping = managed(stored.uuid(), stored.spec(), Origin.API,
                        CompletableFuture.completedFuture(null), stored.lastModified());
                mappings.put(stored.uuid(), mapping);
            }
        }
    }

    /** Starts the supervisor, which starts every enabled mapping and retries failed starts. */
    public void start() {
        supervisor.scheduleWithFixedDelay(this::supervise, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    public ManagedMapping create(MappingSpec spec) {
        ManagedMapping mapping = add(UUID.randomUUID().toString(), spec, Origin.API,
                CompletableFuture.completedFuture(null));
        persist();
        supervisor.execute(this::supervise);
        return mapping;
    }

    public ManagedMapping get(String uuid) {
        ManagedMapping mapping = mappings.get(uuid);
        if (mapping == null) {
            throw new MappingNotFoundException(uuid);
        }
        return mapping;
    }

    /** Every mapping, oldest first. */
    public List<ManagedMapping> list() {
        List<ManagedMapping> all = new ArrayList<>(mappings.values());
        all.sort(Comparator.comparing(ManagedMapping::lastModified).thenComparing(ManagedMapping::uuid));
        return all;
    }

    /** Applies UpdateEventSourceMapping's fields: the old mapping drains, then the new one starts. */
    public ManagedMapping update(String uuid, JsonNode fields) {
        ManagedMapping old = apiMapping(uuid, "update");
        MappingSpec spec = old.spec().merge(fields);
        if (!spec.source().equals(old.spec().source())) {
            throw new io.esm4j.worker.config.InvalidMappingException("EventSourceArn", spec.eventSourceArn(),
                    "The event source of a mapping cannot be changed; create a new mapping.");
        }
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        ManagedMapping updated = managed(uuid, spec, Origin.API, stopped, clock.instant());
        if (!mappings.replace(uuid, old, updated)) {
            throw new MappingConflictException("The mapping " + uuid + " was changed at the same time; try again.");
        }
        persist();
        stopInBackground(old, stopped);
        return updated;
    }

    /** Removes a mapping: it answers State Deleting while it drains, then disappears. */
    public ManagedMapping delete(String uuid) {
        ManagedMapping mapping = apiMapping(uuid, "delete");
        mapping.markDeleting();
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        stopped.whenComplete((ignored, error) -> mappings.remove(uuid, mapping));
        stopInBackground(mapping, stopped);
        persistWithout(uuid);
        return mapping;
    }

    /** Stops every mapping at once, each draining and writing its final checkpoints; waits at most about timeout. */
    public void shutdown(Duration timeout) throws InterruptedException {
        supervisor.shutdownNow();
        supervisor.awaitTermination(5, TimeUnit.SECONDS);
        List<Thread> stops = new ArrayList<>();
        for (ManagedMapping mapping : mappings.values()) {
            RunningMapping running = mapping.uninstall();
            if (running != null) {
                stops.add(Thread.ofVirtual().name("stop-" + mapping.uuid()).start(() -> stop(mapping, running,
                        timeout)));
            }
        }
        for (Thread stop : stops) {
            stop.join();
        }
    }

    /** The values Lambda reports for fields the mapping's request left out. */
    public Map<String, Object> defaults(ManagedMapping mapping) {
        return factories.forMapping(mapping.spec()).defaults();
    }

    /** Starts that failed, over the worker's life (each is retried). */
    public long startFailures() {
        return startFailures.get();
    }

    private ManagedMapping apiMapping(String uuid, String action) {
        ManagedMapping mapping = get(uuid);
        if (mapping.origin() == Origin.FILE) {
            throw new MappingConflictException("The mapping " + uuid + " is defined in the worker's mappings file; "
                    + action + " it there and restart the worker.");
        }
        if (mapping.deleting()) {
            throw new MappingConflictException("The mapping " + uuid + " is being deleted.");
        }
        return mapping;
    }

    private ManagedMapping add(String uuid, MappingSpec spec, Origin origin, CompletableFuture<?> predecessor) {
        for (ManagedMapping existing : mappings.values()) {
            if (!existing.deleting() && existing.spec().source().equals(spec.source())
                    && existing.spec().functionName().equals(spec.functionName())) {
                throw new MappingConflictException("An event source mapping with event source ("
                        + spec.source() + "), function (" + spec.functionName() + ") already exists. "
                        + "Please update or delete the existing mapping with UUID " + existing.uuid());
            }
        }
        ManagedMapping mapping = managed(uuid, spec, origin, predecessor, clock.instant());
        if (mappings.putIfAbsent(uuid, mapping) != null) {
            throw new MappingConflictException("A mapping with UUID " + uuid + " already exists.");
        }
        return mapping;
    }

    private ManagedMapping managed(String uuid, MappingSpec spec, Origin origin, CompletableFuture<?> predecessor,
                                   java.time.Instant lastModified) {
        SourceFactory factory = factories.forMapping(spec);
        FunctionSpec function = functions.resolve(spec.functionName());
        if (function.kind() == FunctionSpec.Kind.JAVA) {
            Targets.checkHandler(function);
        }
        return new ManagedMapping(uuid, spec, function, origin, lastModified, factory.kind(), predecessor);
    }

    private void supervise() {
        long now = System.nanoTime();
        for (ManagedMapping mapping : mappings.values()) {
            if (mapping.mayStart(now) && mapping.beginStart()) {
                Thread.ofVirtual().name("start-" + mapping.uuid()).start(() -> startMapping(mapping));
            }
        }
    }

    private void startMapping(ManagedMapping mapping) {
        try {
            SourceFactory factory = factories.forMapping(mapping.spec());
            MappingTarget target = new MappingTarget(targets.invoker(mapping.function()),
                    targets.limits(mapping.function()), functionArn(mapping.function()));
            RunningMapping running = factory.create(mapping.uuid(), mapping.spec(), target, context);
            if (mapping.deleting() || mappings.get(mapping.uuid()) != mapping || !mapping.install(running)) {
                return;
            }
            running.start();
            mapping.started();
            LOG.info("mapping started uuid={} source={} eventSource={} function={}", mapping.uuid(),
                    mapping.sourceKind(), mapping.spec().source(), mapping.function().name());
        } catch (Exception | LinkageError e) {
            startFailures.incrementAndGet();
            long backoff = Math.min(START_BACKOFF_MAX.toMillis(), 500L << Math.min(mapping.startFailures(), 10));
            mapping.startFailed("start failed: " + e, System.nanoTime() + backoff * 1_000_000);
            LOG.warn("mapping start failed uuid={} attempt={} retryInMs={} error={}", mapping.uuid(),
                    mapping.startFailures(), backoff, e.toString());
        } finally {
            mapping.endStart();
        }
    }

    private static String functionArn(FunctionSpec function) {
        return function.name().startsWith("arn:") ? function.name()
                : "arn:aws:lambda:local:000000000000:function:" + function.name();
    }

    private void stopInBackground(ManagedMapping mapping, CompletableFuture<Void> stopped) {
        Thread.ofVirtual().name("stop-" + mapping.uuid()).start(() -> {
            try {
                RunningMapping running = mapping.uninstall();
                if (running != null) {
                    stop(mapping, running, stopTimeout);
                }
            } finally {
                stopped.complete(null);
                supervisor.execute(this::supervise);
            }
        });
    }

    private static void stop(ManagedMapping mapping, RunningMapping running, Duration timeout) {
        try {
            running.stop(timeout);
            LOG.info("mapping stopped uuid={}", mapping.uuid());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("mapping stop failed uuid={} error={}", mapping.uuid(), e.toString());
        }
    }

    private void persist() {
        persistWithout(null);
    }

    private void persistWithout(@Nullable String removed) {
        if (store == null) {
            return;
        }
        List<MappingStore.Stored> api = new ArrayList<>();
        for (ManagedMapping mapping : list()) {
            if (mapping.origin() == Origin.API && !mapping.deleting() && !mapping.uuid().equals(removed)) {
                api.add(new MappingStore.Stored(mapping.uuid(), mapping.lastModified(), mapping.spec()));
            }
        }
        try {
            store.save(api);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + store.file(), e);
        }
    }
}

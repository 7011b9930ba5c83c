package io.esm4j.worker.mappings;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;
import io.esm4j.worker.invoke.Targets;
import io.esm4j.worker.mappings.ManagedMapping.Origin;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.SourceFactory;
import io.esm4j.worker.source.WorkerContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
 * restarted by one {@link MappingSupervisor} (a failed start is retried with backoff and shows in the state transition
 * reason), persisted in a {@link MappingStore} when made through the API, and drained together at shutdown.
 *
 * <p>With a shared store (a DynamoDB table several workers use) the registry reads the store again every
 * {@link #REFRESH} and before each API call ({@link #refreshForApi()}): mappings created, updated or deleted through
 * another worker are started, restarted or stopped here too. Local changes are written to the store first (a
 * compare-and-set on the mapping's revision) and only then applied here, so the local view never holds a change the
 * store refused; a read of the store that ran while a change was made here never undoes it (see {@link #refresh()}).
 */
public final class MappingRegistry {

    /** How often a shared store is read again for the changes made through other workers. */
    public static final Duration REFRESH = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(MappingRegistry.class);
    /** Deleted UUIDs are remembered this long, so that a read of the store that began before a delete ignores them. */
    private static final Duration TOMBSTONE_TTL = Duration.ofMinutes(10);

    private final Map<String, ManagedMapping> mappings = new ConcurrentHashMap<>();
    private final Map<String, Instant> tombstones = new ConcurrentHashMap<>();
    private final AtomicLong changes = new AtomicLong();
    private final SourceFactories factories;
    private final Functions functions;
    /** Tells source and function pairs apart, as the store does: the function by its FunctionArn. */
    private final SourcePairs pairs;
    private final MappingStore store;
    private final Clock clock;
    private final MappingRunner runner;
    private final MappingSupervisor supervisor;
    private final RefreshHealth refreshHealth;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("esm4j-worker-mapping-refresh").daemon().factory());

    /**
     * @param store       persists API mappings: a file of the data directory or a table shared by workers
     * @param stopTimeout how long an update or delete waits for the old mapping to drain
     */
    public MappingRegistry(SourceFactories factories, Functions functions, Targets targets, WorkerContext context,
                           MappingStore store, Duration stopTimeout, Clock clock) {
        this.factories = factories;
        this.functions = functions;
        this.pairs = new SourcePairs(context.clients().region().id());
        this.runner = new MappingRunner(factories, targets, context, stopTimeout);
        this.supervisor = new MappingSupervisor(mappings.values(), runner, stopTimeout);
        this.store = store;
        this.refreshHealth = new RefreshHealth(store.location());
        this.clock = clock;
    }

    /**
     * Adds the file's mappings (stable UUIDs from source and function) and the stored API mappings. A shared store
     * that cannot be read now is read again by the refresh, so a worker starts while DynamoDB is unreachable.
     */
    public void load(List<MappingSpec> fileMappings) {
        Map<String, Integer> pairsOfFile = new HashMap<>();
        for (int i = 0; i < fileMappings.size(); i++) {
            MappingSpec spec = fileMappings.get(i);
            String where = WorkerFile.MAPPINGS + "[" + i + "]";
            String uuid = FileMappingIds.uuid(spec);
            Integer earlier = pairsOfFile.putIfAbsent(pairs.of(spec), i);
            if (earlier != null) {
                throw MappingConflictException.pairTwiceInFile(spec, functions.resolve(spec.functionName()), i,
                        earlier);
            }
            try {
                validate(uuid, spec);
            } catch (IllegalArgumentException e) {
                // Ranges, handlers and build checks name the field but not the mapping: a file has many.
                throw new InvalidMappingException(e instanceof InvalidMappingException invalid ? invalid.field()
                        : where, where + ": " + e.getMessage(), e);
            }
            ManagedMapping mapping = managed(new MappingStore.Stored(uuid, 0, clock.instant(), spec), Origin.FILE,
                    null);
            if (mappings.putIfAbsent(uuid, mapping) != null) {
                // Same source, and URLs that differ only in their credentials, which the UUID leaves out.
                throw new MappingConflictException(where + " has the UUID " + uuid + " of an earlier mapping of the "
                        + "file: the same source and a FunctionName that differs from the earlier one's only in a "
                        + "URL's user info or credential query parameters. Remove one of the two.");
            }
        }
        if (!store.shared()) {
            for (MappingStore.Stored stored : store.load()) {
                // The file changed since the API mapped this pair: two mappings would invoke twice per record.
                Integer inFile = pairsOfFile.get(pairs.of(stored.spec()));
                if (inFile != null) {
                    throw MappingConflictException.pairInFileAndStore(stored, inFile, store.location());
                }
                install(stored);
            }
        } else {
            refreshLogged();
        }
    }

    /** Starts the supervisor, which starts every enabled mapping and retries failed starts, and the refresh. */
    public void start() {
        supervisor.start();
        if (store.shared()) {
            refresher.scheduleWithFixedDelay(this::refreshLogged, REFRESH.toMillis(), REFRESH.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Before an API call: with a shared store, reads it so the call sees the changes made through other workers. A
     * failed read is counted and leaves the local view (a write then fails on the store itself).
     */
    public void refreshForApi() {
        if (store.shared()) {
            refreshLogged();
        }
    }

    /**
     * Adds an API mapping. Its source and function pair is checked against the mappings here (those of the file
     * included), then by the store as it writes, which closes the gap between two creates at the same moment.
     */
    public ManagedMapping create(MappingSpec spec) {
        checkUnique(spec, null);
        MappingStore.Stored stored = new MappingStore.Stored(UUID.randomUUID().toString(), 1, clock.instant(), spec);
        validate(stored.uuid(), spec);
        store.create(stored);
        ManagedMapping mapping = install(stored);
        supervisor.superviseSoon();
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

    /**
     * Applies UpdateEventSourceMapping's fields: the old mapping drains, then the new one starts. A
     * {@link MappingConflictException} when another worker changed the mapping since this one read it.
     */
    public ManagedMapping update(String uuid, JsonNode fields) {
        ManagedMapping old = apiMapping(uuid, "update");
        MappingSpec spec = old.spec().merge(fields);
        validate(uuid, spec);
        factories.forMapping(spec).checkUpdate(uuid, old.spec(), spec);
        checkUnique(spec, uuid);
        MappingStore.Stored next = old.stored().next(spec, clock.instant());
        try {
            store.replace(old.stored(), next);
        } catch (MappingConflictException e) {
            refreshLater();
            throw e;
        }
        return install(next);
    }

    /** Removes a mapping: it answers State Deleting while it drains, then disappears. */
    public ManagedMapping delete(String uuid) {
        ManagedMapping mapping = apiMapping(uuid, "delete");
        try {
            store.delete(mapping.stored());
        } catch (MappingConflictException e) {
            refreshLater();
            throw e;
        }
        remove(mapping);
        return mapping;
    }

    /** Stops every mapping at once, each draining and writing its final checkpoints; waits at most about timeout. */
    public void shutdown(Duration timeout) throws InterruptedException {
        supervisor.stopStarting();
        refresher.shutdownNow();
        supervisor.shutdown();
        supervisor.stopAll(timeout);
    }

    /** The values Lambda reports for fields the mapping's request left out. */
    public Map<String, Object> defaults(ManagedMapping mapping) {
        return factories.forMapping(mapping.spec()).defaults(mapping.uuid(), mapping.spec());
    }

    /** Starts that failed, over the worker's life (each is retried). */
    public long startFailures() {
        return runner.startFailures();
    }

    /** Restarts of mappings that had stopped themselves on a fatal error, over the worker's life. */
    public long fatalRestarts() {
        return runner.fatalRestarts();
    }

    /**
     * The API mapping to change, as Lambda allows it: not one of the file, not being deleted, and not while its
     * previous update is still being applied (the revision before still draining), so revisions start in order.
     */
    private ManagedMapping apiMapping(String uuid, String action) {
        ManagedMapping mapping = get(uuid);
        if (mapping.origin() == Origin.FILE) {
            throw new MappingConflictException("The mapping " + uuid + " is defined in the worker's mappings file; "
                    + action + " it there and restart the worker.");
        }
        if (mapping.deleting()) {
            throw new MappingInUseException("Cannot " + action + " the event source mapping " + uuid
                    + " because it is in use: it is being deleted (State Deleting).");
        }
        if (mapping.waitingForPredecessor()) {
            throw new MappingInUseException("Cannot " + action + " the event source mapping " + uuid
                    + " because it is in use: its previous update is still being applied while the mapping it "
                    + "replaces drains (State Updating). Try again once the State is no longer Updating.");
        }
        return mapping;
    }

    /** Reads of a shared store that failed, over the worker's life (each is retried at the next refresh). */
    public long refreshFailures() {
        return refreshHealth.failures();
    }

    /**
     * False while a shared store has not been read since the worker started (unreachable at start): the worker does
     * not know yet which of the fleet's mappings to run, so it is not ready. A store of the data directory is read
     * at start, or the worker does not start.
     */
    public boolean storeReadOnce() {
        return !store.shared() || refreshHealth.readOnce();
    }

    /** Why the last read of a shared store failed, or null when it succeeded. */
    public @Nullable String refreshProblem() {
        return refreshHealth.problem();
    }

    /** Where API mappings are kept: the file's path or the table's name. */
    public String storeLocation() {
        return store.location();
    }

    /**
     * Lambda maps a source and function pair once, on create and on update alike. The function is compared by its
     * FunctionArn, so a name and the ARN (or partial ARN) the API reports for it are one function, as in Lambda.
     */
    private void checkUnique(MappingSpec spec, @Nullable String self) {
        String pair = pairs.of(spec);
        for (ManagedMapping existing : mappings.values()) {
            if (!existing.deleting() && !existing.uuid().equals(self) && pairs.of(existing.spec()).equals(pair)) {
                throw MappingConflictException.pairTaken(spec, existing.uuid());
            }
        }
    }

    /**
     * What making a ManagedMapping checks, before anything is written to the store, and what building its esm-core
     * mapping checks (without starting it): a mapping that could never start is refused now, as Lambda refuses it.
     */
    private void validate(String uuid, MappingSpec spec) {
        factories.forMapping(spec);
        function(spec);
        runner.checkBuild(uuid, spec);
    }

    private FunctionSpec function(MappingSpec spec) {
        FunctionSpec function = functions.resolve(spec.functionName());
        if (function.kind() == FunctionSpec.Kind.JAVA) {
            SourceFactory factory = factories.forMapping(spec);
            Targets.checkHandler(function, factory.handlerEvent(spec), factory.kind());
        }
        return function;
    }

    private ManagedMapping managed(MappingStore.Stored stored, Origin origin, @Nullable ManagedMapping predecessor) {
        MappingSpec spec = stored.spec();
        SourceFactory factory = factories.forMapping(spec);
        return new ManagedMapping(stored.uuid(), spec, function(spec), origin, stored.lastModified(), stored.revision(),
                changes.incrementAndGet(), factory.kind(), predecessor);
    }

    /**
     * Makes the local view hold this stored revision of an API mapping, unless it holds it or a newer one already (or
     * the UUID belongs to the file or is being deleted): a new mapping is added, an older revision drains and then
     * the new one starts. Returns the mapping now held.
     */
    private ManagedMapping install(MappingStore.Stored stored) {
        while (true) {
            ManagedMapping current = mappings.get(stored.uuid());
            if (current != null && (current.origin() == Origin.FILE || current.deleting()
                    || current.revision() >= stored.revision())) {
                return current;
            }
            ManagedMapping next = managed(stored, Origin.API, current);
            if (current == null ? mappings.putIfAbsent(stored.uuid(), next) == null
                    : mappings.replace(stored.uuid(), current, next)) {
                if (current != null) {
                    current.retire();
                    supervisor.stopInBackground(current);
                }
                return next;
            }
        }
    }

    /**
     * Turns a mapping to Deleting, drains it, then forgets it once it and every older revision have stopped; reads of
     * the store that began before ignore it.
     */
    private void remove(ManagedMapping mapping) {
        if (!mapping.markDeleting()) {
            return;
        }
        tombstones.put(mapping.uuid(), clock.instant());
        mapping.stopped().whenComplete((ignored, error) -> mappings.remove(mapping.uuid(), mapping));
        supervisor.stopInBackground(mapping);
    }

    /**
     * Reads the store and applies what other workers changed. A local mapping missing from what was read is removed
     * only if it was made before the read began (else the read may have preceded its write); a mapping deleted here
     * is not brought back by a read that began before the delete (its tombstone); older revisions never replace newer
     * ones. So reads that overlap each other or the API's own changes are harmless.
     */
    void refresh() {
        long before = changes.get();
        Instant began = clock.instant();
        List<MappingStore.Stored> snapshot = store.load();
        Set<String> seen = new HashSet<>();
        for (MappingStore.Stored stored : snapshot) {
            seen.add(stored.uuid());
            if (tombstones.containsKey(stored.uuid())) {
                continue;
            }
            try {
                ManagedMapping mapping = mappings.get(stored.uuid());
                if (mapping == null || mapping.revision() < stored.revision()) {
                    install(stored);
                    LOG.atInfo().addKeyValue("mapping", stored.uuid())
                            .log("mapping taken from the store uuid={} revision={} store={}", stored.uuid(),
                                    stored.revision(), store.location());
                }
            } catch (RuntimeException e) {
                if (refreshHealth.mappingFailed(stored.uuid(), stored.revision())) {
                    LOG.atWarn().addKeyValue("mapping", stored.uuid())
                            .log("stored mapping not runnable here; said again for its next revision uuid={} "
                                    + "revision={} store={} error={}", stored.uuid(), stored.revision(),
                                    store.location(), e.toString());
                } else {
                    LOG.atDebug().addKeyValue("mapping", stored.uuid())
                            .log("stored mapping not runnable here uuid={} revision={}", stored.uuid(),
                                    stored.revision());
                }
            }
        }
        refreshHealth.stillStored(seen);
        for (ManagedMapping mapping : mappings.values()) {
            if (mapping.origin() == Origin.API && !mapping.deleting() && !seen.contains(mapping.uuid())
                    && mapping.sequence() <= before) {
                LOG.atInfo().addKeyValue("mapping", mapping.uuid())
                        .log("mapping deleted through another worker uuid={} store={}", mapping.uuid(),
                                store.location());
                remove(mapping);
            }
        }
        tombstones.values().removeIf(deleted -> deleted.isBefore(began.minus(TOMBSTONE_TTL)));
        supervisor.superviseSoon();
    }

    /**
     * A refresh whose failure is counted, shown and logged ({@link RefreshHealth}) instead of thrown. Any failure, an
     * Error included: one that escaped the scheduled refresh would end it for good, silently (an executor drops a
     * periodic task that throws), and the worker would never again see other workers' changes.
     */
    private void refreshLogged() {
        try {
            refresh();
            refreshHealth.succeeded();
        } catch (RuntimeException | Error e) {
            refreshHealth.failed(e);
        }
    }

    /** After a refused write: the local view is behind the store, catch up without delaying the API's answer. */
    private void refreshLater() {
        if (store.shared()) {
            refresher.execute(this::refreshLogged);
        }
    }
}

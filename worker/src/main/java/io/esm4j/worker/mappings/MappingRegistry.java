package io.esm4j.worker.mappings;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;
import io.esm4j.worker.invoke.Targets;
import io.esm4j.worker.mappings.ManagedMapping.Origin;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.WorkerContext;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

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
 *
 * <p>Its parts: {@link MappingChecks} (what a mapping must pass before it is stored or run), {@link LocalMappings}
 * (the mapping each UUID stands for here) and {@link SharedStoreRefresh} (reading a shared store again).
 */
public final class MappingRegistry {

    /** How often a shared store is read again for the changes made through other workers. */
    public static final Duration REFRESH = Duration.ofSeconds(5);

    private final SourceFactories factories;
    private final Functions functions;
    /** Tells source and function pairs apart, as the store does: the function by its FunctionArn. */
    private final SourcePairs pairs;
    private final MappingStore store;
    private final Clock clock;
    private final MappingRunner runner;
    private final MappingChecks checks;
    private final MappingSupervisor supervisor;
    private final LocalMappings local;
    private final RefreshHealth refreshHealth;
    private final SharedStoreRefresh storeRefresh;

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
        this.checks = new MappingChecks(factories, functions, pairs, runner);
        // One map: the supervisor runs its values, the local view changes it.
        Map<String, ManagedMapping> byUuid = new ConcurrentHashMap<>();
        this.supervisor = new MappingSupervisor(byUuid.values(), runner, stopTimeout);
        this.local = new LocalMappings(byUuid, factories, checks, supervisor, clock);
        this.store = store;
        this.refreshHealth = new RefreshHealth(store.location());
        this.storeRefresh = new SharedStoreRefresh(store, local, supervisor, refreshHealth, clock);
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
                checks.validateRead(uuid, spec);
            } catch (IllegalArgumentException e) {
                // Ranges, handlers and build checks name the field but not the mapping: a file has many.
                throw new InvalidMappingException(e instanceof InvalidMappingException invalid ? invalid.field()
                        : where, where + ": " + e.getMessage(), e);
            }
            if (!local.addFromFile(uuid, spec)) {
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
                local.install(stored);
            }
        } else {
            storeRefresh.refreshLogged();
        }
    }

    /** Starts the supervisor, which starts every enabled mapping and retries failed starts, and the refresh. */
    public void start() {
        supervisor.start();
        storeRefresh.start();
    }

    /**
     * Before an API call: with a shared store, reads it so the call sees the changes made through other workers. A
     * failed read is counted and leaves the local view (a write then fails on the store itself).
     */
    public void refreshForApi() {
        if (store.shared()) {
            storeRefresh.refreshLogged();
        }
    }

    /**
     * Adds an API mapping. Its source and function pair is checked against the mappings here (those of the file
     * included), then by the store as it writes, which closes the gap between two creates at the same moment.
     */
    public ManagedMapping create(MappingSpec spec) {
        checks.checkUnique(spec, null, local.all());
        MappingStore.Stored stored = new MappingStore.Stored(UUID.randomUUID().toString(), 1, clock.instant(), spec);
        checks.validate(stored.uuid(), spec);
        store.create(stored);
        ManagedMapping mapping = local.install(stored);
        supervisor.superviseSoon();
        return mapping;
    }

    public ManagedMapping get(String uuid) {
        ManagedMapping mapping = local.get(uuid);
        if (mapping == null) {
            throw new MappingNotFoundException(uuid);
        }
        return mapping;
    }

    /** Every mapping, oldest first. */
    public List<ManagedMapping> list() {
        List<ManagedMapping> all = new ArrayList<>(local.all());
        all.sort(Comparator.comparing(ManagedMapping::lastModified).thenComparing(ManagedMapping::uuid));
        return all;
    }

    /**
     * Applies UpdateEventSourceMapping's fields: the old mapping drains, then the new one starts. A
     * {@link MappingConflictException} when another worker changed the mapping since this one read it.
     */
    public ManagedMapping update(String uuid, JsonNode fields) {
        ManagedMapping old = apiMapping(uuid, "update");
        if (old.firstStartPending()) {
            // Lambda refuses it too ("Cannot update the event source mapping because it is in use"). A delete is
            // taken meanwhile, unlike in Lambda: it is the way out of a start that hangs.
            String state = old.state();
            throw new MappingInUseException("Cannot update the event source mapping " + uuid + " because it is in "
                    + "use: the worker is still starting it (State " + state + "). Wait until "
                    + "GetEventSourceMapping shows another State (Enabled once it runs; Enabling with a PROBLEM: "
                    + "reason while a failed start is retried), then update it.");
        }
        MappingSpec spec = old.spec().merge(fields);
        checks.validate(uuid, spec);
        factories.forMapping(spec).checkUpdate(uuid, old.spec(), spec);
        checks.checkUnique(spec, uuid, local.all());
        MappingStore.Stored next = old.stored().next(spec, clock.instant());
        try {
            store.replace(old.stored(), next);
        } catch (MappingConflictException e) {
            storeRefresh.refreshLater();
            throw e;
        }
        return local.install(next);
    }

    /** Removes a mapping: it answers State Deleting while it drains, then disappears. */
    public ManagedMapping delete(String uuid) {
        ManagedMapping mapping = apiMapping(uuid, "delete");
        try {
            store.delete(mapping.stored());
        } catch (MappingConflictException e) {
            storeRefresh.refreshLater();
            throw e;
        }
        local.remove(mapping);
        return mapping;
    }

    /** Stops every mapping at once, each draining and writing its final checkpoints; waits at most about timeout. */
    public void shutdown(Duration timeout) throws InterruptedException {
        supervisor.stopStarting();
        storeRefresh.shutdownNow();
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
            // Updating, or Disabling after an update that turned the mapping off: the State Get shows meanwhile.
            String state = mapping.state();
            throw new MappingInUseException("Cannot " + action + " the event source mapping " + uuid
                    + " because it is in use: its previous update is still being applied while the mapping it "
                    + "replaces drains (State " + state + "). Try again once the State is no longer " + state + ".");
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

    /** Reads the shared store and applies what other workers changed ({@link SharedStoreRefresh#refresh()}). */
    void refresh() {
        storeRefresh.refresh();
    }
}

package io.esm4j.worker.mappings;

import io.esm4j.worker.mappings.ManagedMapping.Origin;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With a shared store (a table several workers use), reads it again every {@link MappingRegistry#REFRESH}, before
 * each API call and after a refused write, and applies to the {@link LocalMappings} what other workers created,
 * updated or deleted. A store of the data directory is only this worker's: it is never read again.
 */
final class SharedStoreRefresh {

    /** The registry's logger: these lines are the registry's, and users configure and filter them by its name. */
    private static final Logger LOG = LoggerFactory.getLogger(MappingRegistry.class);

    private final MappingStore store;
    private final LocalMappings local;
    private final MappingSupervisor supervisor;
    private final RefreshHealth health;
    private final Clock clock;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("esm4j-worker-mapping-refresh").daemon().factory());

    SharedStoreRefresh(MappingStore store, LocalMappings local, MappingSupervisor supervisor, RefreshHealth health,
                       Clock clock) {
        this.store = store;
        this.local = local;
        this.supervisor = supervisor;
        this.health = health;
        this.clock = clock;
    }

    /** With a shared store, reads it every {@link MappingRegistry#REFRESH} from now on. */
    void start() {
        if (store.shared()) {
            refresher.scheduleWithFixedDelay(this::refreshLogged, MappingRegistry.REFRESH.toMillis(),
                    MappingRegistry.REFRESH.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Ends the reads, scheduled and pending; one in progress is interrupted. */
    void shutdownNow() {
        refresher.shutdownNow();
    }

    /**
     * Reads the store and applies what other workers changed. A local mapping missing from what was read is removed
     * only if it was made before the read began (else the read may have preceded its write); a mapping deleted here
     * is not brought back by a read that began before the delete (its tombstone); older revisions never replace newer
     * ones. So reads that overlap each other or the API's own changes are harmless.
     */
    void refresh() {
        long before = local.changes();
        Instant began = clock.instant();
        List<MappingStore.Stored> snapshot = store.load();
        Set<String> seen = new HashSet<>();
        for (MappingStore.Stored stored : snapshot) {
            seen.add(stored.uuid());
            if (local.deletedLately(stored.uuid())) {
                continue;
            }
            try {
                ManagedMapping mapping = local.get(stored.uuid());
                if (mapping == null || mapping.revision() < stored.revision()) {
                    local.install(stored);
                    LOG.atInfo().addKeyValue("mapping", stored.uuid())
                            .log("mapping taken from the store uuid={} revision={} store={}", stored.uuid(),
                                    stored.revision(), store.location());
                }
            } catch (RuntimeException e) {
                if (health.mappingFailed(stored.uuid(), stored.revision())) {
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
        health.stillStored(seen);
        for (ManagedMapping mapping : local.all()) {
            if (mapping.origin() == Origin.API && !mapping.deleting() && !seen.contains(mapping.uuid())
                    && mapping.sequence() <= before) {
                LOG.atInfo().addKeyValue("mapping", mapping.uuid())
                        .log("mapping deleted through another worker uuid={} store={}", mapping.uuid(),
                                store.location());
                local.remove(mapping);
            }
        }
        local.forgetDeletesBefore(began);
        supervisor.superviseSoon();
    }

    /**
     * A refresh whose failure is counted, shown and logged ({@link RefreshHealth}) instead of thrown. Any failure, an
     * Error included: one that escaped the scheduled refresh would end it for good, silently (an executor drops a
     * periodic task that throws), and the worker would never again see other workers' changes.
     */
    void refreshLogged() {
        try {
            refresh();
            health.succeeded();
        } catch (RuntimeException | Error e) {
            health.failed(e);
        }
    }

    /** After a refused write: the local view is behind the store, catch up without delaying the API's answer. */
    void refreshLater() {
        if (store.shared()) {
            refresher.execute(this::refreshLogged);
        }
    }
}

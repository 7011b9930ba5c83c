package io.esm4j.worker.mappings;

import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.mappings.ManagedMapping.Origin;
import io.esm4j.worker.source.SourceFactories;
import io.esm4j.worker.source.SourceFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The {@link MappingRegistry}'s local view: the mapping each UUID stands for here, and the UUIDs deleted here lately.
 * Every change of the view is a compare-and-set, so the API and reads of a shared store ({@link SharedStoreRefresh})
 * may change it at the same time: a newer revision is never replaced by an older one, and a mapping taken out is
 * drained by the {@link MappingSupervisor}.
 */
final class LocalMappings {

    /** Deleted UUIDs are remembered this long, so that a read of the store that began before a delete ignores them. */
    private static final Duration TOMBSTONE_TTL = Duration.ofMinutes(10);

    private final Map<String, ManagedMapping> mappings;
    private final Map<String, Instant> tombstones = new ConcurrentHashMap<>();
    /** Counts the mappings made here: each one's {@link ManagedMapping#sequence()}. */
    private final AtomicLong changes = new AtomicLong();
    private final SourceFactories factories;
    private final MappingChecks checks;
    private final MappingSupervisor supervisor;
    private final Clock clock;

    /** @param mappings the mappings by UUID, empty; the supervisor runs its values (a live view) */
    LocalMappings(Map<String, ManagedMapping> mappings, SourceFactories factories, MappingChecks checks,
                  MappingSupervisor supervisor, Clock clock) {
        this.mappings = mappings;
        this.factories = factories;
        this.checks = checks;
        this.supervisor = supervisor;
        this.clock = clock;
    }

    @Nullable ManagedMapping get(String uuid) {
        return mappings.get(uuid);
    }

    /** Every mapping, as they are now (a live view). */
    Collection<ManagedMapping> all() {
        return mappings.values();
    }

    /** How many mappings were made here so far: one made later has a greater {@link ManagedMapping#sequence()}. */
    long changes() {
        return changes.get();
    }

    /** Whether the UUID was deleted here lately: a read of the store that began before the delete may still hold it. */
    boolean deletedLately(String uuid) {
        return tombstones.containsKey(uuid);
    }

    /** Forgets the deletes made more than the tombstones' lifetime before {@code began}. */
    void forgetDeletesBefore(Instant began) {
        tombstones.values().removeIf(deleted -> deleted.isBefore(began.minus(TOMBSTONE_TTL)));
    }

    /** Adds a mapping of the worker's file; false, and nothing added, if its UUID is taken. */
    boolean addFromFile(String uuid, MappingSpec spec) {
        ManagedMapping mapping = managed(new MappingStore.Stored(uuid, 0, clock.instant(), spec), Origin.FILE, null);
        return mappings.putIfAbsent(uuid, mapping) == null;
    }

    /**
     * Makes the local view hold this stored revision of an API mapping, unless it holds it or a newer one already (or
     * the UUID belongs to the file or is being deleted): a new mapping is added, an older revision drains and then
     * the new one starts. Returns the mapping now held.
     */
    ManagedMapping install(MappingStore.Stored stored) {
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
    void remove(ManagedMapping mapping) {
        if (!mapping.markDeleting()) {
            return;
        }
        tombstones.put(mapping.uuid(), clock.instant());
        mapping.stopped().whenComplete((ignored, error) -> mappings.remove(mapping.uuid(), mapping));
        supervisor.stopInBackground(mapping);
    }

    private ManagedMapping managed(MappingStore.Stored stored, Origin origin, @Nullable ManagedMapping predecessor) {
        MappingSpec spec = stored.spec();
        SourceFactory factory = factories.forMapping(spec);
        return new ManagedMapping(stored.uuid(), spec, checks.readFunction(spec), origin, stored.lastModified(),
                stored.revision(), changes.incrementAndGet(), factory.kind(), predecessor);
    }
}

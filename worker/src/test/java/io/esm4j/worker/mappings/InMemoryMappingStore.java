package io.esm4j.worker.mappings;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A store as workers share it, in memory: the test changes it as another worker would, then has the registry read it
 * ({@link MappingRegistry#refresh()}).
 */
final class InMemoryMappingStore implements MappingStore {

    private final Map<String, Stored> mappings = new ConcurrentHashMap<>();
    /** While set, a read fails as an unreachable table's does. */
    volatile boolean unreachable;
    /** When set, the next read throws it (once): an Error, say, which a client or a parser lets out. */
    final AtomicReference<Throwable> nextReadThrows = new AtomicReference<>();

    Stored get(String uuid) {
        return mappings.get(uuid);
    }

    @Override
    public List<Stored> load() {
        Throwable failure = nextReadThrows.getAndSet(null);
        if (failure instanceof Error error) {
            throw error;
        }
        if (unreachable) {
            throw new IllegalStateException("the store is unreachable (test)");
        }
        return List.copyOf(mappings.values());
    }

    @Override
    public void create(Stored mapping) {
        if (mappings.putIfAbsent(mapping.uuid(), mapping) != null) {
            throw MappingConflictException.uuidTaken(mapping.uuid(), location());
        }
    }

    @Override
    public void replace(Stored current, Stored next) {
        if (!mappings.replace(current.uuid(), current, next)) {
            throw MappingConflictException.changedElsewhere(current, location());
        }
    }

    @Override
    public void delete(Stored current) {
        if (!mappings.remove(current.uuid(), current)) {
            throw MappingConflictException.changedElsewhere(current, location());
        }
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public String location() {
        return "test store";
    }
}

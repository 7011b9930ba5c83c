package io.esm4j.checkpoint;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link CheckpointStore} that lives as long as the JVM: for tests, examples and single-process use. */
public final class InMemoryCheckpointStore implements CheckpointStore {

    private final Map<String, Map<String, Checkpoint>> byMapping = new ConcurrentHashMap<>();

    @Override
    public Optional<Checkpoint> load(String mappingId, String shardId) {
        return Optional.ofNullable(byMapping.getOrDefault(mappingId, Map.of()).get(shardId));
    }

    @Override
    public void save(String mappingId, String shardId, Checkpoint checkpoint) {
        byMapping.computeIfAbsent(mappingId, id -> new ConcurrentHashMap<>()).put(shardId, checkpoint);
    }

    /** A copy of every shard's checkpoint of one mapping. */
    public Map<String, Checkpoint> snapshot(String mappingId) {
        return Map.copyOf(byMapping.getOrDefault(mappingId, Map.of()));
    }
}

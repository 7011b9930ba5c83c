package io.esm4j.stream;

import io.esm4j.checkpoint.Checkpoint;
import io.esm4j.checkpoint.CheckpointStore;
import io.esm4j.checkpoint.InMemoryCheckpointStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An in-memory checkpoint store for tests that keeps every save in order and can run a check at the moment of each
 * save (before it is stored), to catch a checkpoint written too early while it happens.
 */
final class RecordingCheckpointStore implements CheckpointStore {

    record Save(String mappingId, String shardId, Checkpoint checkpoint) {}

    @FunctionalInterface
    interface SaveListener {
        void saving(String mappingId, String shardId, Checkpoint checkpoint);
    }

    private final InMemoryCheckpointStore delegate = new InMemoryCheckpointStore();
    private final List<Save> saves = new ArrayList<>();
    private volatile SaveListener listener = (m, s, c) -> {};

    RecordingCheckpointStore onSave(SaveListener listener) {
        this.listener = listener;
        return this;
    }

    @Override
    public Optional<Checkpoint> load(String mappingId, String shardId) {
        return delegate.load(mappingId, shardId);
    }

    @Override
    public void save(String mappingId, String shardId, Checkpoint checkpoint) {
        listener.saving(mappingId, shardId, checkpoint);
        synchronized (this) {
            saves.add(new Save(mappingId, shardId, checkpoint));
            delegate.save(mappingId, shardId, checkpoint);
        }
    }

    synchronized List<Save> saves() {
        return List.copyOf(saves);
    }

    /** The stored sequence number of a shard, or null if none (or the shard is at its end). */
    String sequenceNumber(String mappingId, String shardId) {
        return load(mappingId, shardId)
                .filter(c -> c instanceof Checkpoint.AtSequenceNumber)
                .map(c -> ((Checkpoint.AtSequenceNumber) c).sequenceNumber())
                .orElse(null);
    }
}

package io.esm4j.worker.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Shard leases and checkpoints of one worker in {@code leases.json} of its data directory, so a restarted worker
 * resumes every stream where it stopped (after a crash, from the last checkpoint written). The leases live in an
 * {@link InMemoryLeaseStore}, which does the conditional writes; a write that succeeded returns once the whole file
 * has been written anew with it ({@link DataFiles#replace}: a temporary file, forced to disk, moved over the old one),
 * so the file always holds a complete list. The engine writes leases from its committer and coordinator threads,
 * never on the record path, so the file write does not slow processing. For several workers sharing streams, use a
 * shared store (state-dynamodb).
 *
 * <p>Each file write holds every lease, so it is made only when needed: writes that arrive while one is in progress
 * share the next one, and a renewal is never written. Only this process uses the file ({@link DataDirectoryLock}), so a
 * renewal's counter has no one to fence off; a restarted worker (whatever its id) takes its old leases once they have
 * stood still for FailoverTime, from the last checkpoint. No monitor is held, and no lock across the file write.
 *
 * <p>{@link #close()} fences the file off before the worker lets the data directory go: a stop's drain has a deadline,
 * and an engine thread still writing a final checkpoint past it would otherwise rename the file after the lock is
 * gone, over the file of a worker started on the directory since.
 */
public final class FileLeaseStore implements LeaseStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryLeaseStore leases = new InMemoryLeaseStore();
    private final Set<String> mappings = ConcurrentHashMap.newKeySet();
    private final Path file;
    private final DataFiles.Writer writer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition written = lock.newCondition();
    // Guarded by lock.
    /** Changes made to the leases that the file must hold, counted. */
    private long changes;
    /** How many of them the last completed file write holds. */
    private long savedChanges;
    private boolean saving;
    /** No file write begins any more. */
    private boolean closed;

    private FileLeaseStore(Path file, DataFiles.Writer writer) {
        this.file = file;
        this.writer = writer;
    }

    /** Opens the store in the directory, loading the leases a previous run left. */
    public static FileLeaseStore open(Path dataDirectory) throws IOException {
        return open(dataDirectory, DataFiles::replace);
    }

    static FileLeaseStore open(Path dataDirectory, DataFiles.Writer writer) throws IOException {
        FileLeaseStore store = new FileLeaseStore(dataDirectory.resolve("leases.json"), writer);
        JsonNode stored = DataFiles.read(store.file, JSON);
        if (stored != null) {
            for (JsonNode lease : stored.path("Leases")) {
                Lease loaded = fromJson(lease);
                store.mappings.add(loaded.mapping());
                store.leases.create(loaded);
            }
        }
        return store;
    }

    @Override
    public List<Lease> list(String mapping) {
        mappings.add(mapping);
        return leases.list(mapping);
    }

    @Override
    public boolean create(Lease lease) throws IOException, InterruptedException {
        mappings.add(lease.mapping());
        boolean created = leases.create(lease);
        if (created) {
            save();
        }
        return created;
    }

    @Override
    public LeaseWrite take(Lease seen, String worker) throws IOException, InterruptedException {
        return saved(leases.take(seen, worker));
    }

    @Override
    public LeaseWrite renew(Lease held) {
        return leases.renew(held);
    }

    @Override
    public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws IOException, InterruptedException {
        return saved(leases.checkpoint(held, checkpoint));
    }

    @Override
    public LeaseWrite release(Lease held) throws IOException, InterruptedException {
        return saved(leases.release(held));
    }

    @Override
    public LeaseWrite requestHandoff(Lease seen, String worker) throws IOException, InterruptedException {
        return saved(leases.requestHandoff(seen, worker));
    }

    @Override
    public boolean delete(Lease seen) throws IOException, InterruptedException {
        boolean deleted = leases.delete(seen);
        if (deleted) {
            save();
        }
        return deleted;
    }

    private LeaseWrite saved(LeaseWrite write) throws IOException, InterruptedException {
        if (write instanceof LeaseWrite.Written) {
            save();
        }
        return write;
    }

    /**
     * Returns once a file write that began after the caller's change (already in the in-memory store) completed. One
     * file write at a time: a caller that finds one in progress waits for it and for the next, which the first of
     * the waiters makes for all of them.
     */
    private void save() throws IOException, InterruptedException {
        lock.lock();
        try {
            long mine = ++changes;
            while (savedChanges < mine) {
                if (saving) {
                    written.await();
                    continue;
                }
                if (closed) {
                    // The change is in memory only, as after a failed write: the caller is told it is not stored.
                    throw DataFiles.closed(file);
                }
                saving = true;
                long upTo = changes;
                boolean done = false;
                lock.unlock();
                try {
                    writeFile();
                    done = true;
                } finally {
                    lock.lock();
                    saving = false;
                    if (done) {
                        savedChanges = Math.max(savedChanges, upTo);
                    }
                    written.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses every later file write (an {@link IOException} naming the file) and waits for the one in progress, at
     * most {@link DataFiles#CLOSE_WAIT}; an {@link IOException} when it is still running then. Called once the
     * mappings have stopped, before the data directory's lock is released.
     */
    void close() throws IOException, InterruptedException {
        lock.lock();
        try {
            closed = true;
            DataFiles.awaitWriteEnded(file, written, () -> saving);
        } finally {
            lock.unlock();
        }
    }

    private void writeFile() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("Leases");
        for (String mapping : mappings) {
            for (Lease lease : leases.list(mapping)) {
                list.add(toJson(lease));
            }
        }
        writer.replace(file, JSON.writeValueAsBytes(root));
    }

    private static ObjectNode toJson(Lease lease) {
        ObjectNode json = JSON.createObjectNode();
        json.put("mapping", lease.mapping());
        json.put("shardId", lease.shardId());
        json.put("owner", lease.owner());
        json.put("counter", lease.counter());
        switch (lease.checkpoint()) {
            case Checkpoint.TrimHorizon ignored -> json.put("checkpoint", "TRIM_HORIZON");
            case Checkpoint.Latest ignored -> json.put("checkpoint", "LATEST");
            case Checkpoint.ShardEnd ignored -> json.put("checkpoint", "SHARD_END");
            case Checkpoint.AtTimestamp at -> json.put("checkpoint", "AT_TIMESTAMP")
                    .put("timestamp", at.timestamp().toString());
            case Checkpoint.AtSequenceNumber at -> json.put("checkpoint", "AT_SEQUENCE_NUMBER")
                    .put("sequenceNumber", at.sequenceNumber());
        }
        ArrayNode parents = json.putArray("parentIds");
        lease.parentIds().forEach(parents::add);
        json.put("ownerSwitchesSinceCheckpoint", lease.ownerSwitchesSinceCheckpoint());
        if (lease.handoffTo() != null) {
            json.put("handoffTo", lease.handoffTo());
        }
        return json;
    }

    private static Lease fromJson(JsonNode json) {
        Checkpoint checkpoint = switch (json.path("checkpoint").asText()) {
            case "TRIM_HORIZON" -> Checkpoint.TrimHorizon.INSTANCE;
            case "LATEST" -> Checkpoint.Latest.INSTANCE;
            case "SHARD_END" -> Checkpoint.ShardEnd.INSTANCE;
            case "AT_TIMESTAMP" -> new Checkpoint.AtTimestamp(Instant.parse(json.path("timestamp").asText()));
            case "AT_SEQUENCE_NUMBER" -> new Checkpoint.AtSequenceNumber(json.path("sequenceNumber").asText());
            default -> throw new IllegalArgumentException("leases.json holds an unknown checkpoint: "
                    + json.path("checkpoint"));
        };
        List<String> parents = new ArrayList<>();
        json.path("parentIds").forEach(parent -> parents.add(parent.asText()));
        return new Lease(json.path("mapping").asText(), json.path("shardId").asText(),
                json.hasNonNull("owner") ? json.get("owner").asText() : null, json.path("counter").asLong(),
                checkpoint, parents, json.path("ownerSwitchesSinceCheckpoint").asLong(),
                json.hasNonNull("handoffTo") ? json.get("handoffTo").asText() : null);
    }
}

package io.esm4j.worker.mappings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.state.DataFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The mappings created through the API, in {@code mappings.json} of the worker's data directory. Each write replaces
 * the whole file atomically and durably ({@link DataFiles#replace}: a temporary file forced to disk, moved over it, the
 * directory forced), so a crash or a power cut leaves the old or the new list, never half of one or none; an empty
 * file is an error, not "no mappings". Only this worker writes the file (no other worker starts on its data
 * directory: {@code DataDirectoryLock}), so its copy in memory is the truth. Writes are serialized, one at a time,
 * but no lock is held across the file write: {@link #load()} (the status page, the API's list) answers from memory
 * while a write is being forced to disk, and sees its change once the write is complete. {@link #close()} fences the
 * file off before the worker lets the directory go.
 */
public final class FileMappingStore implements MappingStore {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final SourcePairs pairs;
    private final DataFiles.Writer writer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition writeEnded = lock.newCondition();
    // Guarded by lock.
    private @Nullable Map<String, Stored> mappings;
    private boolean writing;
    /** No write begins any more. */
    private boolean closed;

    /** @param pairs tells source and function pairs apart, as the registry does */
    public FileMappingStore(Path dataDirectory, SourcePairs pairs) {
        this(dataDirectory, pairs, DataFiles::replace);
    }

    /** @param writer replaces the file's content durably: {@link DataFiles#replace}, or a test's that holds a write */
    public FileMappingStore(Path dataDirectory, SourcePairs pairs, DataFiles.Writer writer) {
        this.file = dataDirectory.resolve("mappings.json");
        this.pairs = pairs;
        this.writer = writer;
    }

    @Override
    public List<Stored> load() {
        return List.copyOf(current().values());
    }

    /**
     * Adds the mapping unless its UUID or its source and function pair is taken. Writes are made one at a time and
     * each checks the list the previous one left, so two API calls at once (each on its own thread) cannot both map
     * one pair.
     */
    @Override
    public void create(Stored mapping) {
        write(mappings -> {
            if (mappings.containsKey(mapping.uuid())) {
                throw new MappingConflictException("A mapping with UUID " + mapping.uuid() + " already exists.");
            }
            checkPairFree(mappings, mapping);
            mappings.put(mapping.uuid(), mapping);
        });
    }

    @Override
    public void replace(Stored current, Stored next) {
        write(mappings -> {
            check(mappings, current);
            checkPairFree(mappings, next);
            mappings.put(next.uuid(), next);
        });
    }

    @Override
    public void delete(Stored current) {
        write(mappings -> {
            check(mappings, current);
            mappings.remove(current.uuid());
        });
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public String location() {
        return file.toString();
    }

    /** Lambda maps a source and function pair once: a conflict naming the other mapping that maps it. */
    private void checkPairFree(Map<String, Stored> mappings, Stored mapping) {
        String pair = pairs.of(mapping.spec());
        for (Stored other : mappings.values()) {
            if (!other.uuid().equals(mapping.uuid()) && pairs.of(other.spec()).equals(pair)) {
                throw MappingConflictException.pairTaken(mapping.spec(), other.uuid());
            }
        }
    }

    private static void check(Map<String, Stored> mappings, Stored current) {
        Stored stored = mappings.get(current.uuid());
        if (stored == null || stored.revision() != current.revision()) {
            throw new MappingConflictException("The mapping " + current.uuid() + " was changed at the same time "
                    + "(revision " + (stored == null ? "none" : stored.revision()) + ", expected "
                    + current.revision() + "); try again.");
        }
    }

    /** The list as of the last completed write; read from the file the first time, outside the lock. */
    private Map<String, Stored> current() {
        lock.lock();
        try {
            if (mappings != null) {
                return mappings;
            }
        } finally {
            lock.unlock();
        }
        Map<String, Stored> read = read();
        lock.lock();
        try {
            // Two first calls at once both read the same file (no write can have been made before either returns).
            if (mappings == null) {
                mappings = read;
            }
            return mappings;
        } finally {
            lock.unlock();
        }
    }

    private Map<String, Stored> read() {
        Map<String, Stored> read = new LinkedHashMap<>();
        try {
            JsonNode root = DataFiles.read(file, JSON);
            if (root == null) {
                return Collections.unmodifiableMap(read);
            }
            for (JsonNode entry : root.path("EventSourceMappings")) {
                String uuid = entry.path("UUID").asText();
                // Files written before revisions existed have none: their mappings start at 1.
                read.put(uuid, new Stored(uuid, entry.path("Revision").asLong(1),
                        Instant.ofEpochMilli(entry.path("LastModifiedMillis").asLong()),
                        MappingSpec.of(entry.path("Request"), file + " " + uuid)));
            }
            return Collections.unmodifiableMap(read);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Applies {@code change} to a copy of the list after any write in progress has ended, writes the file with the
     * lock released, then takes the copy as the truth (a change that throws, or a failed write, changes nothing).
     */
    private void write(Consumer<Map<String, Stored>> change) {
        current(); // the file is read before the first write, so that the write keeps what it held
        Map<String, Stored> next;
        lock.lock();
        try {
            while (writing) {
                writeEnded.awaitUninterruptibly();
            }
            if (closed) {
                throw new UncheckedIOException(DataFiles.closed(file));
            }
            next = new LinkedHashMap<>(Objects.requireNonNull(mappings));
            change.accept(next);
            writing = true;
        } finally {
            lock.unlock();
        }
        boolean written = false;
        try {
            writer.replace(file, JSON.writeValueAsBytes(toJson(next)));
            written = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            lock.lock();
            try {
                if (written) {
                    mappings = Collections.unmodifiableMap(next);
                }
                writing = false;
                writeEnded.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Refuses every later write (an {@link UncheckedIOException} naming the file) and waits for the one in progress,
     * at most {@link DataFiles#CLOSE_WAIT}; an {@link IOException} when it is still running then. Called once the API
     * calls and the mappings have stopped, before the data directory's lock is released.
     */
    public void close() throws IOException, InterruptedException {
        lock.lock();
        try {
            closed = true;
            DataFiles.awaitWriteEnded(file, writeEnded, () -> writing);
        } finally {
            lock.unlock();
        }
    }

    private static ObjectNode toJson(Map<String, Stored> mappings) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("EventSourceMappings");
        for (Stored mapping : mappings.values()) {
            ObjectNode entry = list.addObject();
            entry.put("UUID", mapping.uuid());
            entry.put("Revision", mapping.revision());
            entry.put("LastModifiedMillis", mapping.lastModified().toEpochMilli());
            entry.set("Request", mapping.spec().toJson());
        }
        return root;
    }
}

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mappings created through the API, in {@code mappings.json} of the worker's data directory. Each write replaces
 * the whole file atomically and durably ({@link DataFiles#replace}: a temporary file forced to disk, moved over it, the
 * directory forced), so a crash or a power cut leaves the old or the new list, never half of one or none; an empty
 * file is an error, not "no mappings". Only this worker writes the file (no other worker starts on its data
 * directory: {@code DataDirectoryLock}), so its copy in memory is the truth; writes are serialized by the monitor.
 */
public final class FileMappingStore implements MappingStore {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final Map<String, Stored> mappings = new LinkedHashMap<>();
    private boolean loaded;

    public FileMappingStore(Path dataDirectory) {
        this.file = dataDirectory.resolve("mappings.json");
    }

    @Override
    public synchronized List<Stored> load() {
        if (!loaded) {
            read();
            loaded = true;
        }
        return List.copyOf(mappings.values());
    }

    /**
     * Adds the mapping unless its UUID or its source and function pair is taken: checked here, under the monitor
     * that serializes writes, so two API calls at once (each on its own thread) cannot both map one pair.
     */
    @Override
    public synchronized void create(Stored mapping) {
        load();
        if (mappings.containsKey(mapping.uuid())) {
            throw new MappingConflictException("A mapping with UUID " + mapping.uuid() + " already exists.");
        }
        checkPairFree(mapping);
        Map<String, Stored> next = new LinkedHashMap<>(mappings);
        next.put(mapping.uuid(), mapping);
        write(next);
    }

    @Override
    public synchronized void replace(Stored current, Stored next) {
        check(current);
        checkPairFree(next);
        Map<String, Stored> changed = new LinkedHashMap<>(mappings);
        changed.put(next.uuid(), next);
        write(changed);
    }

    @Override
    public synchronized void delete(Stored current) {
        check(current);
        Map<String, Stored> changed = new LinkedHashMap<>(mappings);
        changed.remove(current.uuid());
        write(changed);
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
    private void checkPairFree(Stored mapping) {
        String pair = SourceClaims.pair(mapping.spec());
        for (Stored other : mappings.values()) {
            if (!other.uuid().equals(mapping.uuid()) && SourceClaims.pair(other.spec()).equals(pair)) {
                throw MappingConflictException.pairTaken(mapping.spec(), other.uuid());
            }
        }
    }

    private void check(Stored current) {
        load();
        Stored stored = mappings.get(current.uuid());
        if (stored == null || stored.revision() != current.revision()) {
            throw new MappingConflictException("The mapping " + current.uuid() + " was changed at the same time "
                    + "(revision " + (stored == null ? "none" : stored.revision()) + ", expected "
                    + current.revision() + "); try again.");
        }
    }

    private void read() {
        try {
            JsonNode root = DataFiles.read(file, JSON);
            if (root == null) {
                return;
            }
            for (JsonNode entry : root.path("EventSourceMappings")) {
                String uuid = entry.path("UUID").asText();
                // Files written before revisions existed have none: their mappings start at 1.
                mappings.put(uuid, new Stored(uuid, entry.path("Revision").asLong(1),
                        Instant.ofEpochMilli(entry.path("LastModifiedMillis").asLong()),
                        MappingSpec.of(entry.path("Request"), file + " " + uuid)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the file, then takes {@code next} as the truth (a failed write changes nothing). */
    private void write(Map<String, Stored> next) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("EventSourceMappings");
        for (Stored mapping : next.values()) {
            ObjectNode entry = list.addObject();
            entry.put("UUID", mapping.uuid());
            entry.put("Revision", mapping.revision());
            entry.put("LastModifiedMillis", mapping.lastModified().toEpochMilli());
            entry.set("Request", mapping.spec().toJson());
        }
        try {
            DataFiles.replace(file, JSON.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        mappings.clear();
        mappings.putAll(next);
    }
}

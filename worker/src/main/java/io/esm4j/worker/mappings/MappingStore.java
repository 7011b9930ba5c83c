package io.esm4j.worker.mappings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.worker.config.MappingSpec;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The mappings created through the API, in {@code mappings.json} of the worker's data directory, so a restarted worker
 * resumes them. Each write replaces the whole file atomically (a temporary file moved over it), so a crash leaves the
 * old or the new list, never half of one.
 */
final class MappingStore {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A persisted mapping. */
    record Stored(String uuid, Instant lastModified, MappingSpec spec) {}

    private final Path file;

    MappingStore(Path dataDirectory) {
        this.file = dataDirectory.resolve("mappings.json");
    }

    Path file() {
        return file;
    }

    List<Stored> load() throws IOException {
        List<Stored> stored = new ArrayList<>();
        if (!Files.exists(file)) {
            return stored;
        }
        JsonNode root = JSON.readTree(file.toFile());
        for (JsonNode entry : root.path("EventSourceMappings")) {
            stored.add(new Stored(entry.path("UUID").asText(),
                    Instant.ofEpochMilli(entry.path("LastModifiedMillis").asLong()),
                    MappingSpec.of(entry.path("Request"), file + " " + entry.path("UUID").asText())));
        }
        return stored;
    }

    /** Writes the list; callers serialize their calls (one writer at a time, never on a record path). */
    synchronized void save(Collection<Stored> mappings) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("EventSourceMappings");
        for (Stored mapping : mappings) {
            ObjectNode entry = list.addObject();
            entry.put("UUID", mapping.uuid());
            entry.put("LastModifiedMillis", mapping.lastModified().toEpochMilli());
            entry.set("Request", mapping.spec().toJson());
        }
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(temp.toFile(), root);
        try {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}

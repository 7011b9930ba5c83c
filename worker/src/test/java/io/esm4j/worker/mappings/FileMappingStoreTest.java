package io.esm4j.worker.mappings;

import static io.esm4j.worker.mappings.SharedMappingStoreContract.mapping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory's store checks what it writes as a shared store does: one mapping per source and function. */
class FileMappingStoreTest {

    @TempDir
    Path directory;

    @Test
    void aSourceAndFunctionPairIsMappedOnceOnCreateAndOnUpdate() throws Exception {
        FileMappingStore store = new FileMappingStore(directory);
        store.create(mapping("uuid-a", "orders", "f"));
        MappingStore.Stored b = mapping("uuid-b", "orders", "g");
        store.create(b);

        assertThatThrownBy(() -> store.create(mapping("uuid-c", "orders", "f")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("already exists")
                .hasMessageContaining("uuid-a");
        assertThatThrownBy(() -> store.replace(b, b.next(mapping("uuid-b", "orders", "f").spec(),
                Instant.ofEpochMilli(2_000))))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-a");

        MappingStore.Stored moved = b.next(mapping("uuid-b", "orders", "h").spec(), Instant.ofEpochMilli(2_000));
        store.replace(b, moved);
        store.create(mapping("uuid-d", "orders", "g"));
        assertThat(new FileMappingStore(directory).load()).extracting(MappingStore.Stored::uuid)
                .containsExactlyInAnyOrder("uuid-a", "uuid-b", "uuid-d");
    }

    /**
     * What a power cut can leave where the data had not reached the disk before the rename: read as "no mappings",
     * the worker would run none, and the next API write would make that final.
     */
    @Test
    void anEmptyFileIsAnErrorNamingItNotAnEmptyList() throws Exception {
        Files.writeString(directory.resolve("mappings.json"), "");

        assertThatThrownBy(() -> new FileMappingStore(directory).load()).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(directory.resolve("mappings.json").toString())
                .hasMessageContaining("an empty file");
    }
}

package io.esm4j.worker.mappings;

import static io.esm4j.worker.mappings.SharedMappingStoreContract.mapping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.worker.state.DataFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory's store checks what it writes as a shared store does: one mapping per source and function. */
class FileMappingStoreTest {

    /** Source and function pairs as a worker in us-east-1 tells them apart. */
    private static final SourcePairs PAIRS = new SourcePairs("us-east-1");

    @TempDir
    Path directory;

    // The common pool may have a single thread on a small machine, which a write held mid-way would take.
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void aSourceAndFunctionPairIsMappedOnceOnCreateAndOnUpdate() throws Exception {
        FileMappingStore store = new FileMappingStore(directory, PAIRS);
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
        assertThat(new FileMappingStore(directory, PAIRS).load()).extracting(MappingStore.Stored::uuid)
                .containsExactlyInAnyOrder("uuid-a", "uuid-b", "uuid-d");
    }

    /** The function is compared by its FunctionArn, as the registry and the shared stores compare it. */
    @Test
    void aFunctionsNameItsArnAndItsPartialArnAreOnePair() throws Exception {
        FileMappingStore store = new FileMappingStore(directory, PAIRS);
        store.create(mapping("uuid-a", "orders", "f"));

        for (String same : java.util.List.of("arn:aws:lambda:us-east-1:000000000000:function:f",
                "000000000000:function:f")) {
            assertThatThrownBy(() -> store.create(mapping("uuid-b", "orders", same))).as(same)
                    .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-a");
        }
    }

    /**
     * What a power cut can leave where the data had not reached the disk before the rename: read as "no mappings",
     * the worker would run none, and the next API write would make that final.
     */
    @Test
    void anEmptyFileIsAnErrorNamingItNotAnEmptyList() throws Exception {
        Files.writeString(directory.resolve("mappings.json"), "");

        assertThatThrownBy(() -> new FileMappingStore(directory, PAIRS).load()).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(directory.resolve("mappings.json").toString())
                .hasMessageContaining("an empty file");
    }

    /**
     * The file write forces data to disk, which can take long on a busy disk: the status page and the API's list
     * read the mappings meanwhile, so no lock may be held across it.
     */
    @Test
    void readsAnswerWhileAWriteIsOnItsWayToDisk() throws Exception {
        CountDownLatch writeStarted = new CountDownLatch(1);
        CountDownLatch finishWrite = new CountDownLatch(1);
        FileMappingStore store = new FileMappingStore(directory, PAIRS, (file, content) -> {
            writeStarted.countDown();
            await(finishWrite);
            DataFiles.replace(file, content);
        });
        MappingStore.Stored a = mapping("uuid-a", "orders", "f");
        CompletableFuture<Void> create = CompletableFuture.runAsync(() -> store.create(a), threads);
        await(writeStarted);

        // Fails by timing out when the read waits for the write (30 s: a hang, not a speed limit).
        assertThat(CompletableFuture.supplyAsync(store::load, threads).get(30, TimeUnit.SECONDS))
                .as("a read during the write sees the list before it").isEmpty();

        finishWrite.countDown();
        create.get(30, TimeUnit.SECONDS);
        assertThat(store.load()).extracting(MappingStore.Stored::uuid).containsExactly("uuid-a");
    }

    /** Writes made at once are made one after the other, each checking the list the previous one left. */
    @Test
    void aCreateDuringAnotherCreatesWriteChecksTheListThatWriteLeaves() throws Exception {
        CountDownLatch firstWriteStarted = new CountDownLatch(1);
        CountDownLatch finishFirstWrite = new CountDownLatch(1);
        FileMappingStore store = new FileMappingStore(directory, PAIRS, (file, content) -> {
            if (firstWriteStarted.getCount() > 0) {
                firstWriteStarted.countDown();
                await(finishFirstWrite);
            }
            DataFiles.replace(file, content);
        });
        MappingStore.Stored a = mapping("uuid-a", "orders", "f");
        MappingStore.Stored b = mapping("uuid-b", "orders", "f");
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> store.create(a), threads);
        await(firstWriteStarted);
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> store.create(b), threads);

        finishFirstWrite.countDown();
        first.get(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> second.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(MappingConflictException.class)
                .hasMessageContaining("uuid-a");
        assertThat(new FileMappingStore(directory, PAIRS).load()).extracting(MappingStore.Stored::uuid)
                .containsExactly("uuid-a");
    }

    @Test
    void aFailedWriteChangesNothingAndNamesTheFile() throws Exception {
        FileMappingStore store = new FileMappingStore(directory, PAIRS, (file, content) -> {
            throw new IOException("No space left on device");
        });

        MappingStore.Stored a = mapping("uuid-a", "orders", "f");
        assertThatThrownBy(() -> store.create(a))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("mappings.json")
                .hasMessageContaining("No space left on device");
        assertThat(store.load()).isEmpty();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test's latch was not released within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

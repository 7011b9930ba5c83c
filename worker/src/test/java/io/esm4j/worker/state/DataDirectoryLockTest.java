package io.esm4j.worker.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.worker.StoreLocation;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.mappings.FileMappingStore;
import io.esm4j.worker.mappings.MappingStore;
import io.esm4j.worker.mappings.SourcePairs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two workers on one data directory would each run every shard from their own copy of the checkpoints and overwrite
 * each other's files: the second one does not start. (Two JVMs meet the operating system's lock the same way; one
 * JVM is what a unit test can hold twice.)
 */
class DataDirectoryLockTest {

    /** Source and function pairs as a worker in us-east-1 tells them apart. */
    private static final SourcePairs PAIRS = new SourcePairs("us-east-1");

    private static final StoreLocation HERE = new StoreLocation.DataDirectory();

    @TempDir
    Path directory;
    private final HeldWrite held = new HeldWrite();

    @AfterEach
    void releaseHeldWrites() {
        held.release.countDown();
    }

    @Test
    void aSecondWorkerOnTheDataDirectoryIsRefusedUntilTheFirstHasClosedItsStores() throws Exception {
        StateStores first = StateStores.open(new StoreLocation.DataDirectory(), new StoreLocation.DataDirectory(),
                directory, null, PAIRS);
        first.leases().create(Lease.unowned("m", "s", Checkpoint.TrimHorizon.INSTANCE, List.of()));

        assertThatThrownBy(() -> StateStores.open(new StoreLocation.DataDirectory(),
                new StoreLocation.DataDirectory(), directory, null, PAIRS)).isInstanceOf(IOException.class)
                .hasMessageContaining(directory.toAbsolutePath() + " is in use by another worker")
                .hasMessageContaining("--data-dir");

        first.close();
        try (StateStores second = StateStores.open(new StoreLocation.DataDirectory(),
                new StoreLocation.DataDirectory(), directory, null, PAIRS)) {
            assertThat(second.leases().list("m")).extracting(Lease::shardId).containsExactly("s");
        }
    }

    /**
     * A worker that writes nothing to its data directory (SQS mappings from its file) ran where the directory cannot
     * be written (a read-only root file system): it still starts, unlocked. (The test runs as root, which file modes do
     * not stop, so the directory here is one that cannot exist.)
     */
    @Test
    void aDirectoryWhereTheLockCannotBeMadeDoesNotStopTheStart() throws Exception {
        Path notADirectory = Files.writeString(directory.resolve("file"), "");

        try (StateStores stores = StateStores.open(new StoreLocation.DataDirectory(),
                new StoreLocation.DataDirectory(), notADirectory.resolve("data"), null, PAIRS)) {
            assertThat(stores.leases().list("m")).isEmpty();
            assertThat(stores.mappings().load()).isEmpty();
        }
    }

    /**
     * At a stop the worker closes its stores once the mappings have drained, but a drain has a deadline: an engine
     * thread can still be writing a final checkpoint then. Were the lock released at once, a worker started on the
     * directory meanwhile would load and write leases.json, and the old process's rename would replace that file.
     */
    @Test
    void aLeaseWriteInProgressKeepsTheDirectoryLockedUntilItEndsAndLaterLeaseWritesAreRefused() throws Exception {
        StateStores stores = StateStores.open(HERE, HERE, directory, null, PAIRS, held.of("leases.json"));
        CompletableFuture<Boolean> write = CompletableFuture.supplyAsync(() -> {
            try {
                return stores.leases().create(Lease.unowned("m", "in flight", Checkpoint.TrimHorizon.INSTANCE,
                        List.of()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(held.entered.await(60, TimeUnit.SECONDS)).isTrue();

        Thread closing = closeWhileTheWriteIsHeld(stores);

        held.release.countDown();
        assertThat(write.get(60, TimeUnit.SECONDS)).isTrue();
        closing.join();
        DataDirectoryLock.take(directory).close();
        assertThatThrownBy(() -> stores.leases().create(Lease.unowned("m", "after the close",
                Checkpoint.TrimHorizon.INSTANCE, List.of()))).isInstanceOf(IOException.class)
                .hasMessageContaining("Cannot write " + directory.resolve("leases.json"))
                .hasMessageContaining("the worker is stopping");
        assertThat(FileLeaseStore.open(directory).list("m")).extracting(Lease::shardId).containsExactly("in flight");
    }

    /** The same for an API call still writing mappings.json when the stores close. */
    @Test
    void aMappingWriteInProgressKeepsTheDirectoryLockedUntilItEndsAndLaterMappingWritesAreRefused()
            throws Exception {
        StateStores stores = StateStores.open(HERE, HERE, directory, null, PAIRS, held.of("mappings.json"));
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> stores.mappings().create(mapping("in-flight")));
        assertThat(held.entered.await(60, TimeUnit.SECONDS)).isTrue();

        Thread closing = closeWhileTheWriteIsHeld(stores);

        held.release.countDown();
        write.get(60, TimeUnit.SECONDS);
        closing.join();
        DataDirectoryLock.take(directory).close();
        assertThatThrownBy(() -> stores.mappings().create(mapping("after-the-close")))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("Cannot write " + directory.resolve("mappings.json"))
                .hasMessageContaining("the worker is stopping");
        assertThat(new FileMappingStore(directory, PAIRS).load())
                .extracting(MappingStore.Stored::uuid).containsExactly("in-flight");
    }

    /**
     * Closes the stores on a thread of its own while a write is held, and checks that the close waits for it with
     * the directory still locked: it has parked (a close that does not wait has ended instead).
     */
    private Thread closeWhileTheWriteIsHeld(StateStores stores) throws Exception {
        Thread closing = Thread.ofPlatform().start(stores::close);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (closing.isAlive() && closing.getState() != Thread.State.WAITING
                && closing.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(closing.isAlive()).as("the close waits for the write in progress").isTrue();
        assertThatThrownBy(() -> DataDirectoryLock.take(directory)).isInstanceOf(IOException.class)
                .hasMessageContaining("is in use by another worker");
        return closing;
    }

    private static MappingStore.Stored mapping(String uuid) {
        try {
            return new MappingStore.Stored(uuid, 1, Instant.ofEpochMilli(1_000), MappingSpec.of(new ObjectMapper()
                    .readTree("{\"EventSourceArn\": \"arn:aws:sqs:us-east-1:123456789012:" + uuid
                            + "\", \"FunctionName\": \"f\"}"), ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the files as the worker does, but holds the first write of one file until {@link #release}. */
    private static final class HeldWrite {

        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        DataFiles.Writer of(String fileName) {
            return (file, content) -> {
                if (file.getFileName().toString().equals(fileName) && entered.getCount() > 0) {
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while held", e);
                    }
                }
                DataFiles.replace(file, content);
            };
        }
    }
}

package io.esm4j.worker.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.worker.StoreLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two workers on one data directory would each run every shard from their own copy of the checkpoints and overwrite
 * each other's files: the second one does not start. (Two JVMs meet the operating system's lock the same way; one
 * JVM is what a unit test can hold twice.)
 */
class DataDirectoryLockTest {

    @TempDir
    Path directory;

    @Test
    void aSecondWorkerOnTheDataDirectoryIsRefusedUntilTheFirstHasClosedItsStores() throws Exception {
        StateStores first = StateStores.open(new StoreLocation.DataDirectory(), new StoreLocation.DataDirectory(),
                directory, null);
        first.leases().create(Lease.unowned("m", "s", Checkpoint.TrimHorizon.INSTANCE, List.of()));

        assertThatThrownBy(() -> StateStores.open(new StoreLocation.DataDirectory(),
                new StoreLocation.DataDirectory(), directory, null)).isInstanceOf(IOException.class)
                .hasMessageContaining(directory.toAbsolutePath() + " is in use by another worker")
                .hasMessageContaining("--data-dir");

        first.close();
        try (StateStores second = StateStores.open(new StoreLocation.DataDirectory(),
                new StoreLocation.DataDirectory(), directory, null)) {
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
                new StoreLocation.DataDirectory(), notADirectory.resolve("data"), null)) {
            assertThat(stores.leases().list("m")).isEmpty();
            assertThat(stores.mappings().load()).isEmpty();
        }
    }
}

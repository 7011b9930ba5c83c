package io.esm4j.worker.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileLeaseStoreTest {

    @TempDir
    Path directory;

    @Test
    void aReopenedStoreHasEveryLeaseWithOwnerCounterCheckpointAndParents() throws Exception {
        FileLeaseStore store = FileLeaseStore.open(directory);
        store.create(Lease.unowned("m", "shard-0", Checkpoint.TrimHorizon.INSTANCE, List.of()));
        store.create(Lease.unowned("m", "shard-1", new Checkpoint.AtTimestamp(Instant.parse("2026-12-01T00:00:00Z")),
                List.of("shard-0")));
        store.create(Lease.unowned("other", "shard-9", Checkpoint.Latest.INSTANCE, List.of()));
        Lease seen = store.list("m").stream().filter(l -> l.shardId().equals("shard-0")).findFirst().orElseThrow();
        Lease taken = ((LeaseWrite.Written) store.take(seen, "worker-a")).lease();
        Lease checkpointed = ((LeaseWrite.Written) store.checkpoint(taken, new Checkpoint.AtSequenceNumber("42")))
                .lease();

        FileLeaseStore reopened = FileLeaseStore.open(directory);

        assertThat(reopened.list("m")).containsExactlyInAnyOrderElementsOf(store.list("m"));
        assertThat(reopened.list("other")).containsExactlyElementsOf(store.list("other"));
        Lease loaded = reopened.list("m").stream().filter(l -> l.shardId().equals("shard-0")).findFirst()
                .orElseThrow();
        assertThat(loaded).isEqualTo(checkpointed);
        assertThat(loaded.owner()).isEqualTo("worker-a");
        assertThat(reopened.renew(loaded)).isInstanceOf(LeaseWrite.Written.class);
        assertThat(reopened.renew(loaded)).as("the counter moved: the old version is fenced off")
                .isInstanceOf(LeaseWrite.Lost.class);
    }

    /**
     * Read as "no leases", an empty file would start every shard over at the mapping's starting position: with LATEST
     * the records since the last checkpoint would never be read, and the next write would make that final.
     */
    @Test
    void anEmptyFileIsAnErrorNamingItNotAStoreWithoutLeases() throws Exception {
        Files.writeString(directory.resolve("leases.json"), "");

        assertThatThrownBy(() -> FileLeaseStore.open(directory)).isInstanceOf(IOException.class)
                .hasMessageContaining(directory.resolve("leases.json").toString())
                .hasMessageContaining("an empty file");
    }

    @Test
    void theFileIsReplacedWholeWithNoTemporaryFileLeft() throws Exception {
        FileLeaseStore store = FileLeaseStore.open(directory);
        store.create(Lease.unowned("m", "s", Checkpoint.TrimHorizon.INSTANCE, List.of()));

        try (var files = Files.list(directory)) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactly("leases.json");
        }
    }

    @Test
    void aLostWriteChangesNothingOnDisk() throws Exception {
        FileLeaseStore store = FileLeaseStore.open(directory);
        store.create(Lease.unowned("m", "s", Checkpoint.TrimHorizon.INSTANCE, List.of()));
        Lease stale = new Lease("m", "s", "someone", 7, Checkpoint.TrimHorizon.INSTANCE, List.of(), 0);

        assertThat(store.checkpoint(stale, new Checkpoint.AtSequenceNumber("1"))).isInstanceOf(LeaseWrite.Lost.class);
        assertThat(FileLeaseStore.open(directory).list("m").get(0).checkpoint())
                .isEqualTo(Checkpoint.TrimHorizon.INSTANCE);
    }

    @Test
    void aRenewalIsNotWrittenButTheNextChangeWritesTheLeaseAsItIsNow() throws Exception {
        FileLeaseStore store = FileLeaseStore.open(directory);
        Lease unowned = Lease.unowned("m", "s", Checkpoint.TrimHorizon.INSTANCE, List.of());
        store.create(unowned);
        Lease taken = written(store.take(unowned, "w1"));
        Lease renewed = written(store.renew(written(store.renew(taken))));

        // Only this process uses the file: the take is what a restart needs, not how often the lease was renewed.
        assertThat(onDisk(directory)).isEqualTo(taken);
        Lease checkpointed = written(store.checkpoint(renewed, new Checkpoint.AtSequenceNumber("7")));
        assertThat(onDisk(directory)).isEqualTo(checkpointed);
        assertThat(checkpointed.counter()).isEqualTo(taken.counter() + 2);
    }

    @Test
    void writesMadeAtOnceFromManyThreadsAreAllInTheFileWhenTheyReturn() throws Exception {
        FileLeaseStore store = FileLeaseStore.open(directory);
        int shards = 64;
        List<Lease> held = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            Lease unowned = Lease.unowned("m", "shard-" + i, Checkpoint.TrimHorizon.INSTANCE, List.of());
            store.create(unowned);
            held.add(written(store.take(unowned, "w1")));
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> writers = new ArrayList<>();
        for (Lease lease : held) {
            writers.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    written(store.checkpoint(lease, new Checkpoint.AtSequenceNumber(lease.shardId())));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        go.countDown();
        for (Thread writer : writers) {
            writer.join();
        }

        assertThat(FileLeaseStore.open(directory).list("m")).hasSize(shards)
                .allSatisfy(l -> assertThat(l.checkpoint()).isEqualTo(new Checkpoint.AtSequenceNumber(l.shardId())));
    }

    private static Lease written(LeaseWrite write) {
        assertThat(write).isInstanceOf(LeaseWrite.Written.class);
        return ((LeaseWrite.Written) write).lease();
    }

    private static Lease onDisk(Path directory) throws Exception {
        return FileLeaseStore.open(directory).list("m").getFirst();
    }

    @Test
    void aHandoffRequestIsConditionalKeptByRenewalsAndCheckpointsClearedByTakeAndReleaseAndSaved() throws Exception {
        FileLeaseStore store = FileLeaseStore.open(directory);
        Lease unowned = Lease.unowned("m", "s", Checkpoint.TrimHorizon.INSTANCE, List.of());
        store.create(unowned);
        Lease held = written(store.take(unowned, "w1"));

        // Refused on a stale or unowned version, with nothing written.
        assertThat(store.requestHandoff(unowned, "w2")).isInstanceOf(LeaseWrite.Lost.class);
        assertThat(store.requestHandoff(new Lease("m", "s", "w3", 1, held.checkpoint(), List.of(), 1), "w2"))
                .isInstanceOf(LeaseWrite.Lost.class);
        assertThat(onDisk(directory).handoffTo()).isNull();

        Lease asked = written(store.requestHandoff(held, "w2"));
        assertThat(asked.owner()).isEqualTo("w1");
        assertThat(asked.counter()).isEqualTo(held.counter());
        assertThat(onDisk(directory)).isEqualTo(asked);

        // The owner's version still matches; its checkpoints and renewals keep the request.
        Lease checkpointed = written(store.checkpoint(held, new Checkpoint.AtSequenceNumber("5")));
        assertThat(checkpointed.handoffTo()).isEqualTo("w2");
        Lease renewed = written(store.renew(checkpointed));
        assertThat(renewed.handoffTo()).isEqualTo("w2");
        assertThat(onDisk(directory)).as("renewals are not written").isEqualTo(checkpointed);

        Lease released = written(store.release(renewed));
        assertThat(released.handoffTo()).isNull();
        assertThat(onDisk(directory)).isEqualTo(released);

        Lease byW2 = written(store.take(released, "w2"));
        Lease stolen = written(store.take(written(store.requestHandoff(byW2, "w1")), "w1"));
        assertThat(stolen.handoffTo()).isNull();
        assertThat(onDisk(directory)).isEqualTo(stolen);
    }
}

package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.ShardStatus;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints are written by a committer of each shard in the background: a lease store that is slow, or hangs,
 * never holds up the lanes or the reader, and the committer writes the newest done position once it can.
 */
class BackgroundCheckpointTest {

    @Test
    void aHangingCheckpointWriteDoesNotHoldUpProcessing() throws Exception {
        InMemoryStream stream = InMemoryStream.create("slow-store", 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 1_000, 50);
        CountDownLatch storeBack = new CountDownLatch(1);
        AtomicInteger writesStarted = new AtomicInteger();
        RecordingLeaseStore store = new RecordingLeaseStore().onSave((mapping, shard, checkpoint) -> {
            writesStarted.incrementAndGet();
            storeBack.await();
        });
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("slow-store", stream, handler)
                .settings(Streams.fast().batchSize(10).parallelizationFactor(10).build()).leaseStore(store).build();
        mapping.start();
        try {
            // Every record is handled while the first checkpoint write is still stuck in the store.
            await().until(() -> handler.succeeded().size() == 1_000);
            assertThat(writesStarted.get()).isEqualTo(1);
            assertThat(store.saves()).isEmpty();

            storeBack.countDown();
            String last = stream.records(shardId).getLast().sequenceNumber();
            await().until(() -> last.equals(store.sequenceNumber("slow-store", shardId)));
            // Coalesced: the positions in between were never written.
            assertThat(store.saves()).hasSizeLessThanOrEqualTo(2);
        } finally {
            storeBack.countDown();
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void endedShardWorkersDoNotStayAround() throws Exception {
        InMemoryStream stream = InMemoryStream.create("generations", 1);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("generations", stream, handler)
                .settings(Streams.fast().build()).workerId("me").build();
        mapping.start();
        try {
            int expected = 0;
            for (int generation = 0; generation < 5; generation++) {
                Streams.fill(stream, 10, 3);
                expected += 10;
                int handled = expected;
                await().until(() -> handler.succeeded().size() == handled);
                for (String open : stream.openShardIds()) {
                    stream.split(open);
                }
            }
            await().until(() -> mapping.shards().stream().filter(s -> s.position().equals("SHARD_END")).count()
                    == 31);
            // Finished shards show as leases nobody holds: their workers are gone.
            List<ShardStatus> finished = mapping.shards().stream().filter(s -> s.position().equals("SHARD_END"))
                    .toList();
            assertThat(finished).allSatisfy(s -> {
                assertThat(s.owner()).isNull();
                assertThat(s.recordsInFlight()).isZero();
            });
            assertThat(mapping.shards()).filteredOn(s -> "me".equals(s.owner())).hasSize(32);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }
}

package io.esm4j.bench;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What the stream benchmarks share: a pre-filled stream, the settings, and one run of a fresh mapping over it. */
final class Drain {

    /** Mapping names must be unique per run: each run starts from TRIM_HORIZON with no lease yet. */
    private static final AtomicInteger RUNS = new AtomicInteger();
    /** A run that has not seen every record by then is broken, not slow. */
    private static final long RUN_TIMEOUT_SECONDS = 300;

    private Drain() {}

    /**
     * A stream of {@code shards} shards holding {@code records} records of {@code payloadBytes} bytes each, over
     * {@code keys} partition keys (round-robin, so the shards' MD5 ranges spread them about evenly). Filled once per
     * trial: records are immutable and every run reads them from TRIM_HORIZON with a fresh lease store. A plain read
     * at the tail waits up to {@code longPoll} for a record (0: returns empty at once, as the stream did before it
     * long-polled; the reader then pauses IdlePollInterval). Engines since the stream's readers became awaitable do
     * not read it that way: at the tail they wait for a record. Either way a reader reaches the tail only after the
     * last record, so it does not change what a run measures.
     */
    static InMemoryStream filledStream(int shards, int records, int keys, int payloadBytes, Duration longPoll) {
        InMemoryStream stream = InMemoryStream.create("bench", shards).longPoll(longPoll);
        String[] keyNames = new String[keys];
        for (int k = 0; k < keys; k++) {
            keyNames[k] = "key-" + k;
        }
        for (int i = 0; i < records; i++) {
            stream.put(keyNames[i % keys], new byte[payloadBytes]);
        }
        return stream;
    }

    /** The settings every stream benchmark uses; only the parallelization factor and the record buffer vary. */
    static StreamSettings settings(int parallelizationFactor, int maxBufferedRecordsPerShard) {
        return StreamSettings.builder()
                .startingPosition(StartingPosition.TRIM_HORIZON)
                .batchSize(100)
                .maximumBatchingWindow(Duration.ZERO)
                .parallelizationFactor(parallelizationFactor)
                .maxBufferedRecordsPerShard(maxBufferedRecordsPerShard)
                .idlePollInterval(Duration.ofMillis(1))
                .build();
    }

    /**
     * Starts a new mapping over the stream (with its own new in-memory lease store), waits until the handler has seen {@code expected} records, stops it and
     * returns the stop result. {@code work} runs inside the handler for each batch (the benchmark's handler cost).
     */
    static StopResult run(InMemoryStream stream, StreamSettings settings, long expected, BatchWork work)
            throws InterruptedException {
        CountingHandler handler = new CountingHandler(expected, work);
        EventSourceMapping<byte[]> mapping = EventSourceMapping
                .builder("bench-" + RUNS.incrementAndGet(), stream, handler)
                .settings(settings)
                .build();
        mapping.start();
        boolean allSeen;
        try {
            allSeen = handler.allSeen.await(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            mapping.stop(Duration.ofSeconds(30));
            throw e;
        }
        StopResult result = mapping.stop(Duration.ofSeconds(30));
        if (!allSeen) {
            throw new IllegalStateException("handler saw " + handler.seen.get() + " of " + expected
                    + " records in " + RUN_TIMEOUT_SECONDS + " s");
        }
        if (!result.drainedInTime() || result.recordsNotProcessed() != 0) {
            throw new IllegalStateException("stop did not drain cleanly: " + result);
        }
        if (handler.seen.get() != expected) {
            throw new IllegalStateException("handler saw " + handler.seen.get() + " records, expected " + expected);
        }
        return result;
    }

    @FunctionalInterface
    interface BatchWork {
        void accept(Batch<StreamRecord<byte[]>> batch) throws InterruptedException;
    }

    private static final class CountingHandler implements BatchHandler<StreamRecord<byte[]>> {
        private final long expected;
        private final BatchWork work;
        private final AtomicLong seen = new AtomicLong();
        private final CountDownLatch allSeen = new CountDownLatch(1);

        CountingHandler(long expected, BatchWork work) {
            this.expected = expected;
            this.work = work;
        }

        @Override
        public BatchResult handle(Batch<StreamRecord<byte[]>> batch) throws Exception {
            work.accept(batch);
            if (seen.addAndGet(batch.size()) >= expected) {
                allSeen.countDown();
            }
            return BatchResult.success();
        }
    }
}

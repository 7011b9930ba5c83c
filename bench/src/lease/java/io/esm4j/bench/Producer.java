package io.esm4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

/**
 * Puts 100-byte records with random keys (so every shard gets its share) at up to a target rate, in PutRecords calls
 * of a tenth of a second's worth; when the server is slower it puts as fast as the server takes them.
 */
final class Producer implements AutoCloseable {

    private final LongAdder put = new LongAdder();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile int perSecond;

    Producer(KinesisClient kinesis, String stream, int perSecond) {
        this.perSecond = perSecond;
        thread = new Thread(() -> run(kinesis, stream), "bench-producer");
        thread.setDaemon(true);
        thread.start();
    }

    void rate(int perSecond) {
        this.perSecond = perSecond;
    }

    long put() {
        return put.sum();
    }

    private void run(KinesisClient kinesis, String stream) {
        SdkBytes data = SdkBytes.fromByteArray(new byte[100]);
        long next = System.nanoTime();
        while (running) {
            if (perSecond == 0) {
                sleep(TimeUnit.MILLISECONDS.toNanos(100));
                next = System.nanoTime();
                continue;
            }
            int count = Math.max(1, Math.min(500, perSecond / 10));
            List<PutRecordsRequestEntry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                entries.add(PutRecordsRequestEntry.builder()
                        .partitionKey(Long.toHexString(ThreadLocalRandom.current().nextLong())).data(data).build());
            }
            try {
                int failed = kinesis.putRecords(r -> r.streamName(stream).records(entries)).failedRecordCount();
                put.add(count - failed);
            } catch (RuntimeException e) {
                // The server was busy; the next round tries again.
            }
            next += count * 1_000_000_000L / Math.max(1, perSecond);
            long wait = next - System.nanoTime();
            if (wait > 0) {
                sleep(wait);
            } else {
                next = System.nanoTime();
            }
        }
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}

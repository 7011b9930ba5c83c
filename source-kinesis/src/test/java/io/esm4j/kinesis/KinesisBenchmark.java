package io.esm4j.kinesis;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * Whole-run latency and throughput of the Kinesis source on kinesis-mock (not a test: figures, no assertions).
 * <ol>
 *   <li>start → first record: a mapping from TRIM_HORIZON on a stream that holds one record;</li>
 *   <li>tail latency: records put one at a time while a mapping waits at LATEST; put call → handler;</li>
 *   <li>backlog: records/s to drain a stream filled before the mapping starts.</li>
 * </ol>
 * Arguments (all optional): tail records (default 200), backlog records (default 4000).
 */
public final class KinesisBenchmark {

    private static final int RUNS_TO_FIRST_RECORD = 5;
    private static final Duration TAIL_PUT_INTERVAL = Duration.ofMillis(100);

    private final KinesisClient kinesis;
    private int streams;

    private KinesisBenchmark(KinesisClient kinesis) {
        this.kinesis = kinesis;
    }

    public static void main(String[] args) throws Exception {
        int tailRecords = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int backlogRecords = args.length > 1 ? Integer.parseInt(args[1]) : 4000;
        try (KinesisMockServer server = KinesisMockServer.start();
             KinesisClient kinesis = KinesisClient.builder().endpointOverride(server.endpoint())
                     .region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                     .build()) {
            KinesisBenchmark benchmark = new KinesisBenchmark(kinesis);
            benchmark.startToFirstRecord();
            benchmark.tailLatency(tailRecords, defaults());
            benchmark.tailLatency(tailRecords, defaults().idlePollInterval(Duration.ofMillis(100)));
            benchmark.backlog(backlogRecords, defaults());
            benchmark.backlog(backlogRecords, defaults().batchSize(1000));
        }
    }

    private static StreamSettings.Builder defaults() {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON);
    }

    private String newStream(int shards) {
        String name = "bench-" + ++streams;
        TestStreams.create(kinesis, name, shards);
        return name;
    }

    private KinesisStreamSource source(String stream) {
        return KinesisStreamSource.builder(kinesis).streamName(stream).build();
    }

    private void startToFirstRecord() throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int run = 0; run < RUNS_TO_FIRST_RECORD; run++) {
            String stream = newStream(1);
            TestStreams.putNumbered(kinesis, stream, 0, 1, 1);
            CountDownLatch first = new CountDownLatch(1);
            AtomicLong arrived = new AtomicLong();
            EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder("first-" + run, source(stream),
                    batch -> {
                        arrived.compareAndSet(0, System.nanoTime());
                        first.countDown();
                        return BatchResult.success();
                    }).settings(defaults().build()).build();
            long started = System.nanoTime();
            mapping.start();
            first.await(60, TimeUnit.SECONDS);
            millis.add(TimeUnit.NANOSECONDS.toMillis(arrived.get() - started));
            mapping.stop(Duration.ofSeconds(10));
        }
        Collections.sort(millis);
        System.out.printf("start() -> first record: median %d ms (runs: %s)%n", millis.get(millis.size() / 2), millis);
    }

    /** Each record carries the nanoTime of its put call; the handler subtracts it from its own. */
    private void tailLatency(int records, StreamSettings.Builder settings) throws Exception {
        String stream = newStream(1);
        List<Long> micros = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(records);
        StreamSettings built = settings.startingPosition(StartingPosition.LATEST).build();
        EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder("tail-" + streams, source(stream),
                batch -> {
                    long now = System.nanoTime();
                    batch.records().forEach(r -> {
                        micros.add((now - ByteBuffer.wrap(r.payload().kinesis().data()).getLong()) / 1000);
                        all.countDown();
                    });
                    return BatchResult.success();
                }).settings(built).build();
        mapping.start();
        Thread.sleep(2000); // let the reader take its LATEST iterator before the first put
        for (int i = 0; i < records; i++) {
            byte[] sent = ByteBuffer.allocate(Long.BYTES).putLong(System.nanoTime()).array();
            kinesis.putRecord(r -> r.streamName(stream).partitionKey("k").data(SdkBytes.fromByteArray(sent)));
            Thread.sleep(TAIL_PUT_INTERVAL);
        }
        all.await(60, TimeUnit.SECONDS);
        mapping.stop(Duration.ofSeconds(10));
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        System.out.printf("tail put -> handler (IdlePollInterval %d ms, %d records, 1 every %d ms): "
                        + "p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", built.idlePollInterval().toMillis(),
                sorted.size(), TAIL_PUT_INTERVAL.toMillis(), percentile(sorted, 50), percentile(sorted, 99),
                sorted.getLast() / 1000.0);
    }

    private void backlog(int records, StreamSettings.Builder settings) throws Exception {
        String stream = newStream(4);
        TestStreams.putNumbered(kinesis, stream, 0, records, 64);
        CountDownLatch all = new CountDownLatch(records);
        StreamSettings built = settings.build();
        EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder("backlog-" + streams, source(stream),
                batch -> {
                    batch.records().forEach(r -> all.countDown());
                    return BatchResult.success();
                }).settings(built).build();
        long started = System.nanoTime();
        mapping.start();
        all.await(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        mapping.stop(Duration.ofSeconds(10));
        System.out.printf("backlog of %d records on 4 shards, BatchSize %d: %.2f s, %.0f records/s%n",
                records - all.getCount(), built.batchSize(), seconds, (records - all.getCount()) / seconds);
    }

    private static double percentile(List<Long> sortedMicros, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sortedMicros.size()) - 1;
        return sortedMicros.get(Math.max(0, index)) / 1000.0;
    }
}

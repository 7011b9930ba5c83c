package io.esm4j.dynamodbstreams;

import io.esm4j.EventSourceMapping;
import io.esm4j.dynamodbstreams.wire.DynamoDbStreamsWireServer;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Throughput and start-up of the DynamoDB Streams source on the wire-level test endpoint (not a test: figures, no
 * assertions).
 * <ol>
 *   <li>start → first record: a mapping from TRIM_HORIZON on a stream that holds one record;</li>
 *   <li>backlog: records/s to drain closed shards filled before the start, through a mapping and through a raw loop
 *       of GetRecords calls (one thread per shard, the same SDK client, no engine): unpaced, and paced at the
 *       source's call rate, which is the fair comparison, since the source never calls faster than that.</li>
 * </ol>
 * Arguments (optional): backlog records (default 20000), shards (default 4).
 */
public final class DynamoDbStreamsBenchmark {

    private static final int RUNS = 5;

    private final DynamoDbStreamsWireServer server;
    private final DynamoDbStreamsClient streams;
    private int tables;

    private DynamoDbStreamsBenchmark(DynamoDbStreamsWireServer server, DynamoDbStreamsClient streams) {
        this.server = server;
        this.streams = streams;
    }

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int shards = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        try (DynamoDbStreamsWireServer server = DynamoDbStreamsWireServer.start();
             DynamoDbStreamsClient streams = TestClients.streams(server.endpoint())) {
            DynamoDbStreamsBenchmark benchmark = new DynamoDbStreamsBenchmark(server, streams);
            benchmark.startToFirstRecord();
            // One backlog for every run: its shards are closed, so every reader sees the same records.
            TestTable table = benchmark.backlog(records, shards);
            for (int rate : List.of(4, 10)) {
                for (int run = 0; run < RUNS; run++) {
                    double raw = benchmark.rawLoop(table, records, shards, rate);
                    double unpaced = benchmark.rawLoop(table, records, shards, 0);
                    double source100 = benchmark.source(table, records, rate, 100);
                    double source1000 = benchmark.source(table, records, rate, 1000);
                    System.out.printf("backlog %d records, %d shards, %d GetRecords/s per shard: raw paced %.0f/s, "
                                    + "raw unpaced %.0f/s, source BatchSize 100 %.0f/s (%.2fx paced), "
                                    + "BatchSize 1000 %.0f/s (%.2fx paced)%n", records, shards, rate, raw, unpaced,
                            source100, source100 / raw, source1000, source1000 / raw);
                }
            }
        }
    }

    private TestTable backlog(int records, int shards) {
        TestTable table = server.createTable("bench-" + ++tables, "pk", null, TestTable.ViewType.NEW_AND_OLD_IMAGES,
                shards);
        for (int i = 0; i < records; i++) {
            table.put("{\"pk\":{\"S\":\"k" + (i % 1000) + "\"},\"n\":{\"N\":\"" + i + "\"},\"payload\":{\"S\":\""
                    + "x".repeat(100) + "\"}}");
        }
        table.rollover(); // closed shards end, so the raw loop knows when it is done
        return table;
    }

    private void startToFirstRecord() throws InterruptedException {
        List<Long> millis = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            TestTable table = server.createTable("first-" + ++tables, "pk", null, TestTable.ViewType.NEW_IMAGE, 1);
            table.put("{\"pk\":{\"S\":\"a\"}}");
            CountDownLatch first = new CountDownLatch(1);
            EventSourceMapping<DynamoDbRecord> mapping = EventSourceMapping.builder("first", source(table, 4),
                    batch -> {
                        first.countDown();
                        return BatchResult.success();
                    }).settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).build())
                    .build();
            long start = System.nanoTime();
            mapping.start();
            first.await(30, TimeUnit.SECONDS);
            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            mapping.stop(Duration.ofSeconds(10));
        }
        System.out.println("start -> first record (ms, " + RUNS + " runs): " + millis);
    }

    private DynamoDbStreamSource source(TestTable table, int rate) {
        return DynamoDbStreamSource.builder(streams).streamArn(table.streamArn())
                .settings(DynamoDbSourceSettings.builder().getRecordsPerSecondPerShard(rate).build()).build();
    }

    private double source(TestTable table, int records, int rate, int batchSize) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(records);
        EventSourceMapping<DynamoDbRecord> mapping = EventSourceMapping.builder("bench-" + ++tables,
                source(table, rate),
                batch -> {
                    batch.records().forEach(r -> done.countDown());
                    return BatchResult.success();
                }).settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .batchSize(batchSize).build()).build();
        long start = System.nanoTime();
        mapping.start();
        done.await(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        mapping.stop(Duration.ofSeconds(10));
        return records / seconds;
    }

    /** GetRecords of 1,000 per call on every backlog shard in parallel; {@code rate} 0 = as fast as it answers. */
    private double rawLoop(TestTable table, int records, int shards, int rate) throws Exception {
        List<String> backlogShards = table.shardIds().subList(0, shards);
        AtomicLong read = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(shards);
        try {
            long start = System.nanoTime();
            List<Future<?>> readers = new ArrayList<>();
            for (String shard : backlogShards) {
                readers.add(threads.submit(() -> {
                    String iterator = streams.getShardIterator(r -> r.streamArn(table.streamArn()).shardId(shard)
                            .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                    long nextCall = System.nanoTime();
                    while (iterator != null) {
                        if (rate > 0) {
                            long wait = nextCall - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                            nextCall = Math.max(nextCall, System.nanoTime()) + 1_000_000_000L / rate;
                        }
                        String current = iterator;
                        GetRecordsResponse page = streams.getRecords(r -> r.shardIterator(current).limit(1000));
                        read.addAndGet(page.records().size());
                        iterator = page.nextShardIterator();
                    }
                    return null;
                }));
            }
            for (Future<?> reader : readers) {
                reader.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (read.get() != records) {
                throw new IllegalStateException("the raw loop read " + read.get() + " of " + records + " records");
            }
            return records / seconds;
        } finally {
            threads.shutdownNow();
        }
    }
}

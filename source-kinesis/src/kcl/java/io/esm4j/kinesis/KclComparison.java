package io.esm4j.kinesis;

import io.esm4j.testsupport.Dynalite;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.retrieval.KinesisClientRecord;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

/**
 * The KCL 3.x side of the benchmark: the same three measures as {@link KinesisBenchmark}, with a KCL Scheduler
 * (polling, default settings, lease table on {@link Dynalite}) on the same emulator. Runs {@link KinesisBenchmark}
 * first, so that one run prints both. Not a test: figures, no assertions.
 *
 * <p>dynalite cannot add a global secondary index with UpdateTable, which is how the KCL adds
 * {@code LeaseOwnerToLeaseKeyIndex} to a lease table it created itself; without the index the KCL never takes a
 * lease. So each application's lease table is created here first, index included, as the KCL would have it.
 */
public final class KclComparison {

    private static final Duration TAIL_PUT_INTERVAL = Duration.ofMillis(100);
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));

    private KclComparison() {}

    public static void main(String[] args) throws Exception {
        int tailRecords = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int backlogRecords = args.length > 1 ? Integer.parseInt(args[1]) : 4000;
        System.out.println("== esm4j");
        KinesisBenchmark.main(args);
        System.out.println("== KCL 3 (polling, default settings)");
        try (KinesisMockServer kinesisMock = KinesisMockServer.start();
             Dynalite dynamoDb = Dynalite.start();
             KinesisClient kinesis = KinesisClient.builder().endpointOverride(kinesisMock.endpoint())
                     .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).build()) {
            Kcl kcl = new Kcl(kinesisMock.endpoint(), dynamoDb.endpoint());
            firstRecordThenTail(kinesis, kcl, tailRecords);
            backlog(kinesis, kcl, backlogRecords);
        }
        // The KCL leaves non-daemon threads behind, which would keep exec:java waiting.
        System.exit(0);
    }

    private static void firstRecordThenTail(KinesisClient kinesis, Kcl kcl, int tailRecords) throws Exception {
        TestStreams.create(kinesis, "kcl-tail", 1);
        kinesis.putRecord(r -> r.streamName("kcl-tail").partitionKey("k")
                .data(SdkBytes.fromByteArray(ByteBuffer.allocate(Long.BYTES).putLong(0).array())));
        List<Long> micros = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch all = new CountDownLatch(tailRecords);
        AtomicLong firstAt = new AtomicLong();
        long started = System.nanoTime();
        try (Kcl.Running app = kcl.start("kcl-tail", record -> {
            long now = System.nanoTime();
            long sent = record.data().duplicate().getLong();
            if (sent == 0) {
                firstAt.compareAndSet(0, now);
                first.countDown();
            } else {
                micros.add((now - sent) / 1000);
                all.countDown();
            }
        })) {
            first.await(180, TimeUnit.SECONDS);
            System.out.printf("start -> first record: %d ms%n", TimeUnit.NANOSECONDS.toMillis(firstAt.get() - started));
            for (int i = 0; i < tailRecords; i++) {
                byte[] sent = ByteBuffer.allocate(Long.BYTES).putLong(System.nanoTime()).array();
                kinesis.putRecord(r -> r.streamName("kcl-tail").partitionKey("k").data(SdkBytes.fromByteArray(sent)));
                Thread.sleep(TAIL_PUT_INTERVAL);
            }
            all.await(60, TimeUnit.SECONDS);
            printTail(micros, app.idleBetweenReadsMillis());
        }
    }

    private static void printTail(List<Long> micros, long idleBetweenReadsMillis) {
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        System.out.printf("tail put -> processRecords (idleTimeBetweenReads %d ms, %d records, 1 every %d ms): "
                        + "p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", idleBetweenReadsMillis, sorted.size(),
                TAIL_PUT_INTERVAL.toMillis(), percentile(sorted, 50), percentile(sorted, 99),
                sorted.getLast() / 1000.0);
    }

    private static void backlog(KinesisClient kinesis, Kcl kcl, int records) throws Exception {
        TestStreams.create(kinesis, "kcl-backlog", 4);
        TestStreams.putNumbered(kinesis, "kcl-backlog", 0, records, 64);
        CountDownLatch all = new CountDownLatch(records);
        AtomicLong firstAt = new AtomicLong();
        long started = System.nanoTime();
        try (Kcl.Running app = kcl.start("kcl-backlog", record -> {
            firstAt.compareAndSet(0, System.nanoTime());
            all.countDown();
        })) {
            all.await(300, TimeUnit.SECONDS);
            long done = System.nanoTime();
            long drained = records - all.getCount();
            System.out.printf("backlog of %d records on 4 shards: %.2f s from start, %.0f records/s; "
                            + "%.2f s from the first record, %.0f records/s%n", drained, (done - started) / 1e9,
                    drained / ((done - started) / 1e9), (done - firstAt.get()) / 1e9,
                    drained / ((done - firstAt.get()) / 1e9));
        }
    }

    private static double percentile(List<Long> sortedMicros, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sortedMicros.size()) - 1;
        return sortedMicros.get(Math.max(0, index)) / 1000.0;
    }

    /** KCL applications on one emulator and one lease store; CloudWatch points at a port nobody listens on. */
    private record Kcl(URI kinesisEndpoint, URI dynamoDbEndpoint) {

        Running start(String stream, Consumer<KinesisClientRecord> sink) {
            NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1);
            KinesisAsyncClient kinesis = KinesisAsyncClient.builder().endpointOverride(kinesisEndpoint)
                    .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).httpClientBuilder(http).build();
            DynamoDbAsyncClient dynamoDb = DynamoDbAsyncClient.builder().endpointOverride(dynamoDbEndpoint)
                    .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).httpClientBuilder(http).build();
            CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder()
                    .endpointOverride(URI.create("http://127.0.0.1:9")).region(Region.US_EAST_1)
                    .credentialsProvider(CREDENTIALS).httpClientBuilder(http).build();
            ConfigsBuilder configs = new ConfigsBuilder(stream, "kcl-" + stream, kinesis, dynamoDb, cloudWatch,
                    UUID.randomUUID().toString(), () -> new Processor(sink));
            createLeaseTable(configs.tableName());
            PollingConfig polling = new PollingConfig(stream, kinesis);
            Scheduler scheduler = new Scheduler(configs.checkpointConfig(), configs.coordinatorConfig(),
                    configs.leaseManagementConfig().workerUtilizationAwareAssignmentConfig(
                            configs.leaseManagementConfig().workerUtilizationAwareAssignmentConfig()
                                    .disableWorkerMetrics(true)),
                    configs.lifecycleConfig(), configs.metricsConfig().metricsFactory(new NullMetricsFactory()),
                    configs.processorConfig(),
                    configs.retrievalConfig().retrievalSpecificConfig(polling)
                            .initialPositionInStreamExtended(InitialPositionInStreamExtended.newInitialPosition(
                                    InitialPositionInStream.TRIM_HORIZON)));
            Thread thread = new Thread(scheduler, "kcl-" + stream);
            thread.setDaemon(true);
            thread.start();
            return new Running(scheduler, polling.idleTimeBetweenReadsInMillis(), kinesis, dynamoDb, cloudWatch);
        }

        /**
         * The lease table as the KCL 3 would create it: key {@code leaseKey}, on-demand billing, and the
         * {@code LeaseOwnerToLeaseKeyIndex} index ({@code leaseOwner}, {@code leaseKey}, keys only) in CreateTable.
         */
        private void createLeaseTable(String tableName) {
            try (DynamoDbClient dynamoDb = DynamoDbClient.builder().endpointOverride(dynamoDbEndpoint)
                    .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).build()) {
                dynamoDb.createTable(r -> r.tableName(tableName)
                        .billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(
                                AttributeDefinition.builder().attributeName("leaseKey")
                                        .attributeType(ScalarAttributeType.S).build(),
                                AttributeDefinition.builder().attributeName("leaseOwner")
                                        .attributeType(ScalarAttributeType.S).build())
                        .keySchema(KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.HASH).build())
                        .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("LeaseOwnerToLeaseKeyIndex")
                                .keySchema(
                                        KeySchemaElement.builder().attributeName("leaseOwner")
                                                .keyType(KeyType.HASH).build(),
                                        KeySchemaElement.builder().attributeName("leaseKey")
                                                .keyType(KeyType.RANGE).build())
                                .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                                .build()));
                dynamoDb.waiter().waitUntilTableExists(r -> r.tableName(tableName));
            }
        }

        record Running(Scheduler scheduler, long idleBetweenReadsMillis, KinesisAsyncClient kinesis, DynamoDbAsyncClient dynamoDb,
                       CloudWatchAsyncClient cloudWatch) implements AutoCloseable {
            @Override
            public void close() throws Exception {
                try {
                    scheduler.startGracefulShutdown().get(30, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    scheduler.shutdown();
                }
                kinesis.close();
                dynamoDb.close();
                cloudWatch.close();
            }
        }
    }

    /** Hands every record to the sink and checkpoints after each batch, as a typical KCL application does. */
    private record Processor(Consumer<KinesisClientRecord> sink) implements ShardRecordProcessor {

        @Override
        public void initialize(InitializationInput input) {}

        @Override
        public void processRecords(ProcessRecordsInput input) {
            input.records().forEach(sink);
            try {
                input.checkpointer().checkpoint();
            } catch (Exception e) {
                throw new IllegalStateException("checkpoint failed", e);
            }
        }

        @Override
        public void leaseLost(LeaseLostInput input) {}

        @Override
        public void shardEnded(ShardEndedInput input) {
            try {
                input.checkpointer().checkpoint();
            } catch (Exception e) {
                throw new IllegalStateException("checkpoint at shard end failed", e);
            }
        }

        @Override
        public void shutdownRequested(ShutdownRequestedInput input) {
            try {
                input.checkpointer().checkpoint();
            } catch (Exception e) {
                throw new IllegalStateException("checkpoint at shutdown failed", e);
            }
        }
    }
}

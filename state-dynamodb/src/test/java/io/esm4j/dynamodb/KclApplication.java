package io.esm4j.dynamodb;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

/**
 * A KCL 3.x application (one worker: a {@link Scheduler} with polling, from TRIM_HORIZON) on a Kinesis endpoint with
 * its lease table on a DynamoDB endpoint (dynalite); CloudWatch points at a port nobody listens on and is never
 * called. Stopping is graceful, then forced after 30 s. Public for the bench module's KCL side (state-dynamodb's
 * test-jar).
 *
 * <p>dynalite cannot add a global secondary index with UpdateTable, which is how the KCL adds
 * {@code LeaseOwnerToLeaseKeyIndex} to a lease table it created itself; without the index the KCL never takes a
 * lease. So the lease table is created here first, index included, as the KCL would have it.
 */
public final class KclApplication implements AutoCloseable {

    /**
     * The KCL's own default of {@code shardSyncIntervalMillis}. A new application's first worker, after creating the
     * leases, waits one such interval before it processes anything: tests that want a quick start pass less.
     */
    public static final Duration DEFAULT_SHARD_SYNC_INTERVAL = Duration.ofMinutes(1);
    /**
     * The KCL's own default of {@code failoverTimeMillis}. Its lease assignment runs every two of them, so a new
     * application's leases wait up to 20 s for an owner: tests that want a quick start pass less.
     */
    public static final Duration DEFAULT_FAILOVER_TIME = Duration.ofSeconds(10);

    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));

    private final Scheduler scheduler;
    private final String workerId;
    private final String leaseTable;
    private final KinesisAsyncClient kinesis;
    private final DynamoDbAsyncClient dynamoDb;
    private final CloudWatchAsyncClient cloudWatch;

    private KclApplication(Scheduler scheduler, String workerId, String leaseTable, KinesisAsyncClient kinesis,
                           DynamoDbAsyncClient dynamoDb, CloudWatchAsyncClient cloudWatch) {
        this.scheduler = scheduler;
        this.workerId = workerId;
        this.leaseTable = leaseTable;
        this.kinesis = kinesis;
        this.dynamoDb = dynamoDb;
        this.cloudWatch = cloudWatch;
    }

    /**
     * Creates the lease table (named after the application) unless it exists, and starts a worker.
     *
     * @param processors    called once per shard the worker processes, with the worker's id
     * @param dynamoDbCalls sees every DynamoDB call of the KCL (a bench counts them, or cuts the worker off)
     * @param kinesisCalls  sees every Kinesis call of the KCL
     * @param shardSyncInterval the KCL's {@code shardSyncIntervalMillis}
     * @param failoverTime      the KCL's {@code failoverTimeMillis}
     */
    public static KclApplication start(String application, String stream, URI kinesisEndpoint, URI dynamoDbEndpoint,
                                       Function<String, ShardRecordProcessor> processors,
                                       ExecutionInterceptor dynamoDbCalls, ExecutionInterceptor kinesisCalls,
                                       Duration shardSyncInterval, Duration failoverTime) {
        NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1);
        KinesisAsyncClient kinesis = KinesisAsyncClient.builder().endpointOverride(kinesisEndpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).httpClientBuilder(http)
                .overrideConfiguration(c -> c.addExecutionInterceptor(kinesisCalls)).build();
        DynamoDbAsyncClient dynamoDb = DynamoDbAsyncClient.builder().endpointOverride(dynamoDbEndpoint)
                .region(Region.US_EAST_1).credentialsProvider(CREDENTIALS).httpClientBuilder(http)
                .overrideConfiguration(c -> c.addExecutionInterceptor(dynamoDbCalls)).build();
        CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:9")).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).httpClientBuilder(http).build();
        String workerId = "kcl-" + UUID.randomUUID();
        ConfigsBuilder configs = new ConfigsBuilder(stream, application, kinesis, dynamoDb, cloudWatch, workerId,
                () -> processors.apply(workerId));
        createLeaseTable(dynamoDbEndpoint, configs.tableName());
        PollingConfig polling = new PollingConfig(stream, kinesis);
        Scheduler scheduler = new Scheduler(configs.checkpointConfig(), configs.coordinatorConfig(),
                configs.leaseManagementConfig().shardSyncIntervalMillis(shardSyncInterval.toMillis())
                        .failoverTimeMillis(failoverTime.toMillis())
                        .workerUtilizationAwareAssignmentConfig(
                        configs.leaseManagementConfig().workerUtilizationAwareAssignmentConfig()
                                .disableWorkerMetrics(true)),
                configs.lifecycleConfig(), configs.metricsConfig().metricsFactory(new NullMetricsFactory()),
                configs.processorConfig(),
                configs.retrievalConfig().retrievalSpecificConfig(polling)
                        .initialPositionInStreamExtended(InitialPositionInStreamExtended.newInitialPosition(
                                InitialPositionInStream.TRIM_HORIZON)));
        Thread thread = new Thread(scheduler, "kcl-" + application);
        thread.setDaemon(true);
        thread.start();
        return new KclApplication(scheduler, workerId, configs.tableName(), kinesis, dynamoDb, cloudWatch);
    }

    /** The worker's id, as the lease table's {@code leaseOwner} names it. */
    public String workerId() {
        return workerId;
    }

    /** The KCL's lease table: what esm4j's {@code KclLeaseTable} names. */
    public String leaseTable() {
        return leaseTable;
    }

    /**
     * The lease table as the KCL 3 creates it: key {@code leaseKey}, on-demand billing, and the
     * {@code LeaseOwnerToLeaseKeyIndex} index ({@code leaseOwner}, {@code leaseKey}, keys only), in CreateTable.
     */
    private static void createLeaseTable(URI endpoint, String tableName) {
        try (DynamoDbClient client = DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS).build()) {
            client.createTable(r -> r.tableName(tableName).billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            a -> a.attributeName("leaseKey").attributeType(ScalarAttributeType.S),
                            a -> a.attributeName("leaseOwner").attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName("leaseKey").keyType(KeyType.HASH))
                    .globalSecondaryIndexes(i -> i.indexName("LeaseOwnerToLeaseKeyIndex")
                            .keySchema(k -> k.attributeName("leaseOwner").keyType(KeyType.HASH),
                                    k -> k.attributeName("leaseKey").keyType(KeyType.RANGE))
                            .projection(p -> p.projectionType(ProjectionType.KEYS_ONLY))));
            client.waiter().waitUntilTableExists(r -> r.tableName(tableName));
        } catch (ResourceInUseException e) {
            // A second worker of the same application: the table is there.
        }
    }

    /** Graceful shutdown (the processors' shutdownRequested), forced after 30 s; then the clients close. */
    @Override
    public void close() throws Exception {
        try {
            scheduler.startGracefulShutdown().get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            scheduler.shutdown();
        } finally {
            kinesis.close();
            dynamoDb.close();
            cloudWatch.close();
        }
    }
}

package io.esm4j.bench;

import io.esm4j.dynamodb.KclApplication;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.processor.ShardRecordProcessor;

/**
 * Three KCL 3.5.1 workers of one application (default settings, polling, worker metrics off), in this JVM but each
 * with its own SDK clients; the processor checkpoints after every batch, as the KCL's samples do.
 */
final class KclFleet implements BenchFleet {

    private record Worker(KclApplication app, CallCounter dynamoDbCalls, CallCounter kinesisCalls) {}

    private static final Duration FIRST_WORKER_PATIENCE = Duration.ofMinutes(5);

    private final Map<String, Worker> workers = new HashMap<>();
    private final DynamoDbClient observer;
    private final String leaseTable;

    /**
     * Starts one worker, and the other two once it holds a lease: KCL 3.5.1 workers that initialize at the same
     * moment race on the table's migration-state row, and the losers never finish initializing (they keep failing
     * with "AssignmentMode is not initialized"), which left one working worker of three in a first version.
     */
    KclFleet(URI kinesisEndpoint, URI dynamoDbEndpoint, String stream, ShardActivity activity)
            throws InterruptedException {
        String application = "kcl-bench-" + Long.toHexString(System.nanoTime());
        observer = DynamoDbClient.builder().endpointOverride(dynamoDbEndpoint).region(Region.US_EAST_1)
                .credentialsProvider(Esm4jFleet.CREDENTIALS).build();
        leaseTable = start(application, stream, kinesisEndpoint, dynamoDbEndpoint, activity).leaseTable();
        long deadline = System.nanoTime() + FIRST_WORKER_PATIENCE.toNanos();
        while (holdings().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the first KCL worker held no lease within " + FIRST_WORKER_PATIENCE);
            }
            Thread.sleep(100);
        }
        for (int i = 0; i < 2; i++) {
            start(application, stream, kinesisEndpoint, dynamoDbEndpoint, activity);
        }
    }

    private KclApplication start(String application, String stream, URI kinesisEndpoint, URI dynamoDbEndpoint,
                                 ShardActivity activity) {
        CallCounter dynamoDbCalls = new CallCounter();
        CallCounter kinesisCalls = new CallCounter();
        KclApplication app = KclApplication.start(application, stream, kinesisEndpoint, dynamoDbEndpoint,
                worker -> new Processor(worker, activity), dynamoDbCalls, kinesisCalls,
                KclApplication.DEFAULT_SHARD_SYNC_INTERVAL, KclApplication.DEFAULT_FAILOVER_TIME);
        workers.put(app.workerId(), new Worker(app, dynamoDbCalls, kinesisCalls));
        return app;
    }

    @Override
    public List<String> workers() {
        return workers.keySet().stream().sorted().toList();
    }

    /** Shard leases (the KCL keeps its coordinator's rows in the same table) that have an owner and have not ended. */
    @Override
    public Map<String, Set<String>> holdings() {
        return observer.scanPaginator(r -> r.tableName(leaseTable).consistentRead(true)).items().stream()
                .filter(item -> item.get("leaseKey").s().startsWith("shardId-") && item.containsKey("leaseOwner")
                        && !"SHARD_END".equals(text(item.get("checkpoint"))))
                .collect(Collectors.groupingBy(item -> item.get("leaseOwner").s(),
                        Collectors.mapping(item -> item.get("leaseKey").s(), Collectors.toSet())));
    }

    private static String text(AttributeValue value) {
        return value == null ? "" : value.s();
    }

    @Override
    public Map<String, Long> dynamoDbCalls() {
        return CallCounter.sum(workers.values().stream().map(Worker::dynamoDbCalls).toList());
    }

    @Override
    public void resetCalls() {
        workers.values().forEach(w -> w.dynamoDbCalls().reset());
    }

    @Override
    public void cut(String worker) {
        workers.get(worker).dynamoDbCalls().cut();
        workers.get(worker).kinesisCalls().cut();
    }

    @Override
    public void close() throws Exception {
        for (Worker worker : workers.values()) {
            worker.app().close();
        }
        observer.close();
    }

    private static final class Processor implements ShardRecordProcessor {

        private final String worker;
        private final ShardActivity activity;
        private String shardId = "";

        Processor(String worker, ShardActivity activity) {
            this.worker = worker;
            this.activity = activity;
        }

        @Override
        public void initialize(InitializationInput input) {
            shardId = input.shardId();
        }

        @Override
        public void processRecords(ProcessRecordsInput input) {
            input.records().forEach(r -> activity.handled(worker, shardId));
            checkpoint(input.checkpointer());
        }

        @Override
        public void leaseLost(LeaseLostInput input) {}

        @Override
        public void shardEnded(ShardEndedInput input) {
            checkpoint(input.checkpointer());
        }

        @Override
        public void shutdownRequested(ShutdownRequestedInput input) {
            checkpoint(input.checkpointer());
        }

        private static void checkpoint(software.amazon.kinesis.processor.RecordProcessorCheckpointer checkpointer) {
            try {
                checkpointer.checkpoint();
            } catch (Exception e) {
                // A worker cut off by the bench cannot checkpoint; its successor replays, which costs nothing here.
            }
        }
    }
}

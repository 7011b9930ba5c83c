package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.testsupport.Dynalite;
import io.esm4j.testsupport.RequiresNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * Worker processes reading a Kinesis stream on kinesis-mock into a plain HTTP function: SIGTERM in the middle of a
 * batch drains it and writes final checkpoints (a restart delivers nothing twice); kill -9 in the middle of a batch,
 * then a restart, resumes from the checkpoints in the data directory: nothing lost, records before the checkpoint
 * not delivered again. Two workers with a DynamoDB lease table (dynalite) share the stream's shards.
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KinesisWorkerProcessTest {

    /**
     * Every worker here runs with a FailoverTime of 3 s instead of 10 s (the same for both workers of a lease table,
     * as they must): a restarted worker takes the killed one's leases, and a joining worker gets its shards, that
     * much sooner. Still far above a renewal's time on loopback (the holder renews every second and stops after about
     * 2 s without one).
     */
    private static final String FAILOVER_TIME = "3s";

    private KinesisMock kinesisMock;
    private Dynalite dynalite;
    private KinesisClient kinesis;
    private RecordingFunction function;
    private WorkerProcess worker;
    @TempDir
    Path directory;

    @BeforeAll
    void startServers() throws Exception {
        kinesisMock = new KinesisMock();
        dynalite = Dynalite.start();
        kinesis = kinesisMock.kinesis;
        function = new RecordingFunction();
    }

    @AfterAll
    void stopServers() {
        try {
            function.close();
        } finally {
            try {
                kinesisMock.close();
            } finally {
                dynalite.close();
            }
        }
    }

    @AfterEach
    void stopWorker() {
        function.release();
        if (worker != null) {
            worker.close();
        }
    }

    @Test
    void sigtermDrainsWritesFinalCheckpointsAndARestartDeliversNothingTwice() throws Exception {
        String arn = stream("term-stream");
        Path config = config(arn);
        worker = start(config);
        function.entered.drainPermits();
        function.hold();
        List<String> records = put("term-stream", "term-", 20).keySet().stream().toList();
        await().atMost(Duration.ofSeconds(90)).until(() -> function.entered.availablePermits() > 0);

        Thread release = Thread.ofVirtual().start(() -> {
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.output().contains("worker stopping"));
            function.release();
        });
        assertThat(worker.terminate()).isZero();
        release.join();
        assertThat(function.received).isNotEmpty();

        worker = start(config);
        await().atMost(Duration.ofSeconds(120)).until(() -> function.distinct.containsAll(records));
        assertThat(function.received.stream().filter(records::contains))
                .as("each record once: the drained batch was checkpointed at the stop").doesNotHaveDuplicates();
    }

    @Test
    void killMinusNineThenRestartResumesFromTheCheckpointsLosingNothing() throws Exception {
        String arn = stream("kill-stream");
        Path config = config(arn);
        worker = start(config);
        Map<String, String> first = put("kill-stream", "before-", 20);
        await().atMost(Duration.ofSeconds(120)).until(() -> function.distinct.containsAll(first.keySet()));
        Map<String, String> lastByShard = new TreeMap<>();
        first.values().forEach(entry -> {
            String[] shardAndSequence = entry.split(" ");
            lastByShard.merge(shardAndSequence[0], shardAndSequence[1],
                    (a, b) -> new java.math.BigInteger(a).compareTo(new java.math.BigInteger(b)) >= 0 ? a : b);
        });
        Path leases = directory.resolve("data").resolve("leases.json");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(leases)
                && lastByShard.values().stream().allMatch(sequence -> readQuietly(leases).contains(sequence)));

        function.entered.drainPermits();
        function.hold();
        Map<String, String> second = put("kill-stream", "after-", 10);
        await().atMost(Duration.ofSeconds(90)).until(() -> function.entered.availablePermits() > 0);
        worker.kill();
        function.release();

        worker = start(config);
        await().atMost(Duration.ofSeconds(120)).until(() -> function.distinct.containsAll(second.keySet()));
        // The held batches record their records once released, killed worker or not: records put after the restart
        // show that the restarted worker took the dead one's leases (after FailoverTime) and reads the shards.
        Map<String, String> third = put("kill-stream", "restarted-", 10);
        await().atMost(Duration.ofSeconds(120)).until(() -> function.distinct.containsAll(third.keySet()));
        assertThat(function.received.stream().filter(first::containsKey))
                .as("records before the checkpoint are not delivered again").doesNotHaveDuplicates();
    }

    /** The lease table also holds the API mappings (--mapping-table): one created through A runs on both workers. */
    @Test
    void twoWorkersWithADynamoDbLeaseTableShareTheStreamsShards() throws Exception {
        String arn = kinesisMock.activeStream("shared-stream", 4);
        Path config = config(arn);
        worker = WorkerProcess.start(directory, List.of(), "--config", config.toString(), "--port", "0",
                "--data-dir", directory.resolve("data-a").toString(), "--worker-id", "worker-a", "--lease-table",
                "esm4j-worker-leases", "--mapping-table", "esm4j-worker-leases",
                "--endpoint", "dynamodb=" + dynalite.endpoint(), "--failover-time", FAILOVER_TIME);
        try (WorkerProcess other = WorkerProcess.start(directory, List.of(), "--config", config.toString(), "--port",
                "0", "--data-dir", directory.resolve("data-b").toString(), "--worker-id", "worker-b",
                "--lease-table", "esm4j-worker-leases", "--mapping-table", "esm4j-worker-leases",
                "--endpoint", "dynamodb=" + dynalite.endpoint(), "--failover-time", FAILOVER_TIME);
             LambdaClient lambda = LambdaClient.builder().endpointOverride(worker.url()).region(Region.US_EAST_1)
                     .credentialsProvider(ElasticMq.CREDENTIALS).build()) {
            try {
                shareTheStreams(arn, other, lambda);
            } catch (Throwable e) {
                // The workers' logs live in the test's directory, deleted after the test: keep them in the failure.
                e.addSuppressed(worker.outputAsFailure("worker-a"));
                e.addSuppressed(other.outputAsFailure("worker-b"));
                throw e;
            }
        }
    }

    /**
     * Ownership is only ever awaited, never asserted at one instant: B gets its shards by asking A for them, and
     * a lease A released waits for B's next coordinator round (up to half FailoverTime) before B owns it; a page
     * shows the other worker's leases as of its own last listing. Records can all be delivered by A in that gap.
     */
    private void shareTheStreams(String arn, WorkerProcess other, LambdaClient lambda) throws Exception {
        awaitBothOwnShards(worker, "worker A", arn);
        Map<String, String> records = put("shared-stream", "shared-", 40);

        await().atMost(Duration.ofSeconds(120)).until(() -> function.distinct.containsAll(records.keySet()));
        awaitBothOwnShards(other, "worker B", arn);

        String apiStream = stream("api-stream");
        String uuid = lambda.createEventSourceMapping(r -> r.eventSourceArn(apiStream)
                .functionName(function.url().toString()).startingPosition("TRIM_HORIZON")).uuid();
        awaitBothOwnShards(other, "worker B", uuid);
        Map<String, String> apiRecords = put("api-stream", "api-", 20);
        await().atMost(Duration.ofSeconds(120)).until(() -> function.distinct.containsAll(apiRecords.keySet()));
    }

    /** Waits until the page shows shards of the mapping (by UUID or event source ARN) owned by each worker. */
    private static void awaitBothOwnShards(WorkerProcess process, String name, String mapping) {
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            String page = page(process);
            assertThat(StatusPages.shardOwners(page, mapping))
                    .as("owners of the shards of %s on the page of %s:%n%s", mapping, name, page)
                    .contains("worker-a", "worker-b");
        });
    }

    private static String page(WorkerProcess process) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(process.url() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private WorkerProcess start(Path config) throws Exception {
        return WorkerProcess.start(directory, directory.resolve("unused"), "--config", config.toString(), "--port",
                "0", "--data-dir", directory.resolve("data").toString(), "--drain-timeout", "30", "--failover-time",
                FAILOVER_TIME);
    }

    private String stream(String name) {
        return kinesisMock.activeStream(name, 2);
    }

    /** Puts numbered records under 4 keys; returns each record's data with "shardId sequenceNumber". */
    private Map<String, String> put(String stream, String prefix, int count) {
        Map<String, String> put = new TreeMap<>();
        IntStream.range(0, count).forEach(i -> {
            String data = prefix + i;
            PutRecordResponse response = kinesis.putRecord(r -> r.streamName(stream).partitionKey("key-" + (i % 4))
                    .data(SdkBytes.fromUtf8String(data)));
            put.put(data, response.shardId() + " " + response.sequenceNumber());
        });
        return put;
    }

    private Path config(String arn) throws Exception {
        Path file = Files.createTempFile(directory, "kinesis-", ".yaml");
        Files.writeString(file, """
                Endpoints:
                  kinesis: %s
                Functions:
                  http-fn:
                    Url: %s
                    Timeout: 120
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: http-fn
                    StartingPosition: TRIM_HORIZON
                    BatchSize: 5
                """.formatted(kinesisMock.endpoint(), function.url(), arn));
        return file;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}

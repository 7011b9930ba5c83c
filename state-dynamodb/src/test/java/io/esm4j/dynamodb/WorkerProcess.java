package io.esm4j.dynamodb;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.kinesis.KinesisSourceSettings;
import io.esm4j.kinesis.KinesisStreamSource;
import io.esm4j.stream.StreamRecord;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * One worker in a JVM of its own, for {@link SeparateJvmTest}: an esm4j mapping over a Kinesis stream with its leases
 * in a DynamoDB table, appending each handled record to its output file as {@code shardId sequenceNumber key data}
 * (flushed at the end of each batch, before the batch counts as handled).
 *
 * <p>When the file {@code <output>.stall} appears, the handler stops in the middle of its next batch, after
 * writing (and flushing) one record of it, creates {@code <output>.stalled} and waits forever: the test then kills
 * the process with SIGKILL, with a batch in flight. The process ends by itself when its standard input closes, so
 * that a dying test run leaves no worker behind.
 *
 * <p>Arguments: Kinesis endpoint, DynamoDB endpoint, stream, lease table, worker id, output file, FailoverTime in ms.
 */
public final class WorkerProcess {

    static final String MAPPING = "separate-jvms";

    private WorkerProcess() {}

    public static void main(String[] args) throws Exception {
        URI kinesisEndpoint = URI.create(args[0]);
        URI dynamoDbEndpoint = URI.create(args[1]);
        String stream = args[2];
        String leaseTable = args[3];
        String workerId = args[4];
        Path output = Path.of(args[5]);
        Duration failoverTime = Duration.ofMillis(Long.parseLong(args[6]));
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
        KinesisClient kinesis = KinesisClient.builder().endpointOverride(kinesisEndpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials).httpClientBuilder(ApacheHttpClient.builder()).build();
        DynamoDbClient dynamoDb = DynamoDbClient.builder().endpointOverride(dynamoDbEndpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials).httpClientBuilder(ApacheHttpClient.builder()).build();
        BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder(MAPPING,
                        KinesisStreamSource.builder(kinesis).streamName(stream)
                                .settings(KinesisSourceSettings.builder().getRecordsPerSecondPerShard(5).build())
                                .build(),
                        new Appender(out, output))
                .settings(Fleet.settings(failoverTime).build())
                .leaseStore(new DynamoDbLeaseStore(dynamoDb, DynamoDbLeaseStoreSettings.builder()
                        .tableName(leaseTable).build()))
                .workerId(workerId).build();
        mapping.start();
        while (System.in.read() >= 0) {
            // Until the parent closes our standard input or dies.
        }
        mapping.stop(Duration.ofSeconds(10));
        System.exit(0);
    }

    private record Appender(BufferedWriter out, Path output) implements BatchHandler<StreamRecord<KinesisRecord>> {

        /** One batch at a time: lines never interleave, and a stall holds up the worker's other shards too. */
        @Override
        public synchronized BatchResult handle(Batch<StreamRecord<KinesisRecord>> batch) {
            try {
                for (StreamRecord<KinesisRecord> record : batch.records()) {
                    out.write(record.shardId() + " " + record.sequenceNumber() + " " + record.partitionKey() + " "
                            + record.payload().dataAsString() + " " + System.currentTimeMillis() + "\n");
                    if (Files.exists(sibling(".stall"))) {
                        out.flush();
                        Files.createFile(sibling(".stalled"));
                        Thread.sleep(Long.MAX_VALUE);
                    }
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stalled", e);
            }
            return BatchResult.success();
        }

        private Path sibling(String suffix) {
            return output.resolveSibling(output.getFileName() + suffix);
        }
    }
}

package io.esm4j.kinesis;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * The README's example: kinesis-mock on 127.0.0.1, a stream of two shards, a mapping that prints the Lambda event
 * of each batch, ten records put, and the stop result.
 */
public final class KinesisExample {

    private KinesisExample() {}

    public static void main(String[] args) throws Exception {
        try (KinesisMockServer server = KinesisMockServer.start();
             KinesisClient kinesis = KinesisClient.builder().endpointOverride(server.endpoint())
                     .region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                     .build()) {
            TestStreams.create(kinesis, "orders", 2);
            KinesisStreamSource source = KinesisStreamSource.builder(kinesis).streamName("orders").build();
            CountDownLatch tenRecords = new CountDownLatch(10);

            EventSourceMapping<KinesisRecord> mapping = EventSourceMapping.builder("orders-example", source,
                            batch -> {
                                System.out.println("batch of " + batch.size() + " from " + batch.partition() + ": "
                                        + KinesisEventJson.write(batch));
                                batch.records().forEach(r -> tenRecords.countDown());
                                return BatchResult.success();
                            })
                    .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                            .batchSize(5).build())
                    .build();
            mapping.start();
            TestStreams.putNumbered(kinesis, "orders", 0, 10, 4);
            if (!tenRecords.await(60, TimeUnit.SECONDS)) {
                System.out.println("not every record arrived within 60 s");
            }
            StopResult result = mapping.stop(Duration.ofSeconds(10));
            System.out.println("stopped: " + result);
        }
    }
}

package io.esm4j.worker;

import static org.awaitility.Awaitility.await;

import io.esm4j.kinesis.KinesisMockServer;
import io.esm4j.kinesis.TestStreams;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;

/** kinesis-mock on a free loopback port with a client, for one test class. */
final class KinesisMock implements AutoCloseable {

    private final KinesisMockServer server;
    final KinesisClient kinesis;

    KinesisMock() throws IOException, InterruptedException {
        server = KinesisMockServer.start();
        kinesis = KinesisClient.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(ElasticMq.CREDENTIALS).build();
    }

    URI endpoint() {
        return server.endpoint();
    }

    /** Creates the stream and returns its ARN once it is ACTIVE, as the worker files name streams by ARN. */
    String activeStream(String name, int shards) {
        TestStreams.create(kinesis, name, shards);
        return kinesis.describeStreamSummary(r -> r.streamName(name)).streamDescriptionSummary().streamARN();
    }

    /** Registers an enhanced fan-out consumer of the stream and returns its ARN once it is ACTIVE. */
    String activeConsumer(String streamArn, String name) {
        String consumerArn = kinesis.registerStreamConsumer(r -> r.streamARN(streamArn).consumerName(name))
                .consumer().consumerARN();
        await().atMost(Duration.ofSeconds(30)).until(() -> kinesis.describeStreamConsumer(r -> r
                .consumerARN(consumerArn)).consumerDescription().consumerStatus() == ConsumerStatus.ACTIVE);
        return consumerArn;
    }

    @Override
    public void close() {
        try {
            kinesis.close();
        } finally {
            server.close();
        }
    }
}

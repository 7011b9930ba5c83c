package io.esm4j.worker;

import io.esm4j.kinesis.KinesisMockServer;
import io.esm4j.kinesis.TestStreams;
import java.io.IOException;
import java.net.URI;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

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

    @Override
    public void close() {
        try {
            kinesis.close();
        } finally {
            server.close();
        }
    }
}

package io.esm4j.kinesis;

import java.util.function.Supplier;
import software.amazon.awssdk.awscore.AwsServiceClientConfiguration;
import software.amazon.awssdk.regions.Region;

/** The check that a client given to {@link KinesisStreamSource.Builder} reaches its stream's region. */
final class ClientRegion {

    private ClientRegion() {}

    /**
     * A client sends every call to its own region's endpoint, where Kinesis does not find another region's stream.
     * A client with an endpoint override (an emulator, a VPC endpoint) is trusted to reach the ARN's stream, and so is
     * one that does not report its configuration (a test double).
     */
    static void require(Supplier<? extends AwsServiceClientConfiguration> client, StreamArn arn, String clientType) {
        AwsServiceClientConfiguration configuration;
        try {
            configuration = client.get();
        } catch (UnsupportedOperationException e) {
            return;
        }
        Region region = configuration.region();
        if (configuration.endpointOverride().isEmpty() && region != null && !region.id().equals(arn.region())) {
            throw new IllegalArgumentException("stream " + arn.text() + " is in region " + arn.region() + ", but the "
                    + clientType + " given for it is for region " + region.id() + "; expected a client of the "
                    + "stream's region");
        }
    }
}

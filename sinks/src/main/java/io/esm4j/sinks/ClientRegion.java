package io.esm4j.sinks;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.regions.Region;

/**
 * The check that a destination's client can reach the region its ARN names. SQS and SNS are regional: a client of
 * another region finds a queue of the same name there (SQS's GetQueueUrl) or no queue at all (a send to another
 * region's queue URL), or has every Publish refused with {@code Invalid parameter: TopicArn} (SNS), so that the
 * mapping would retry the delivery for good. A client with an
 * endpoint override (LocalStack, ElasticMQ, a VPC endpoint) is trusted to reach the ARN's resource, as emulators
 * name regions their own way.
 */
final class ClientRegion {

    private ClientRegion() {}

    /**
     * @param kind       what the ARN names, e.g. {@code queue}
     * @param clientType the client's type, e.g. {@code SqsClient}
     * @throws IllegalArgumentException if the client is for another region than {@code arnRegion}
     */
    static void check(Optional<URI> endpointOverride, Region clientRegion, String arn, String arnRegion, String kind,
                      String clientType) {
        if (endpointOverride.isPresent() || clientRegion == null || clientRegion.id().equals(arnRegion)) {
            return;
        }
        throw new IllegalArgumentException("destination " + arn + " is a " + kind + " in region " + arnRegion
                + ", but the " + clientType + " given for it is for region " + clientRegion.id() + "; expected a "
                + "client of the " + kind + "'s region");
    }
}

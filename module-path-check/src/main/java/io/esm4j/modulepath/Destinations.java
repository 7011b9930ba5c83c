package io.esm4j.modulepath;

import io.esm4j.sinks.FailureDestinations;

/** The sinks module's on-failure destinations, resolved from Lambda's destination ARNs as sinks/README.md does. */
public final class Destinations {

    public static final String QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:failures";
    public static final String TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:failures";
    public static final String BUCKET_ARN = "arn:aws:s3:::failures";

    private Destinations() {}

    public static FailureDestinations all(AwsClients clients) {
        return FailureDestinations.builder().sqs(clients.sqs()).sns(clients.sns()).s3(clients.s3()).build();
    }
}

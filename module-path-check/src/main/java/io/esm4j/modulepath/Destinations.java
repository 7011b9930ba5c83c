package io.esm4j.modulepath;

import io.esm4j.sinks.FailureDestinations;

/** The sinks module's on-failure destinations, resolved from Lambda's destination ARNs as sinks/README.md does. */
public final class Destinations {

    private Destinations() {}

    public static FailureDestinations all(AwsClients clients) {
        return FailureDestinations.builder().sqs(clients.sqs()).sns(clients.sns()).s3(clients.s3()).build();
    }
}

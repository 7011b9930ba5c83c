/** On-failure destinations for stream mappings: SQS queues, SNS topics and S3 buckets, resolved from their ARNs. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.sinks {
    requires transitive io.esm4j.core;
    // The destinations and FailureDestinations take the SDK's clients: public API.
    requires transitive software.amazon.awssdk.services.sqs;
    requires transitive software.amazon.awssdk.services.sns;
    requires transitive software.amazon.awssdk.services.s3;
    requires software.amazon.awssdk.awscore;
    requires software.amazon.awssdk.core;
    requires software.amazon.awssdk.http;
    requires software.amazon.awssdk.regions;
    requires com.fasterxml.jackson.core;
    requires org.slf4j;
    requires static org.jspecify;

    exports io.esm4j.sinks;
}

/** On-failure destinations for stream mappings: SQS. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.sinks {
    requires transitive io.esm4j.core;
    // SqsFailureDestination.of(SqsClient, ...) is public API.
    requires transitive software.amazon.awssdk.services.sqs;
    requires software.amazon.awssdk.core;
    requires static org.jspecify;

    exports io.esm4j.sinks;
}

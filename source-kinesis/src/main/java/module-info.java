/**
 * Kinesis Data Streams as the source of a stream mapping, the Lambda-shaped Kinesis event and an adapter for
 * handlers written against {@code aws-lambda-java-events}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.kinesis {
    requires transitive io.esm4j.core;
    // KinesisStreamSource.builder(KinesisClient) is public API.
    requires transitive software.amazon.awssdk.services.kinesis;
    // Only KinesisLambdaAdapter needs it, and the Maven dependency is optional: static, because the module runs
    // without it; transitive, because the adapter's signatures name its types, so a user of the adapter (who brings
    // the jar for the handlers written against it) reads it through this module. The jar has no module name of its
    // own: aws.lambda.java.events comes from the jar file name, which Maven keeps as it is.
    requires static transitive aws.lambda.java.events;
    requires software.amazon.awssdk.awscore;
    requires software.amazon.awssdk.core;
    requires software.amazon.awssdk.regions;
    // Enhanced fan-out: SubscribeToShard's events arrive as a Reactive Streams publisher.
    requires org.reactivestreams;
    requires io.github.resilience4j.core;
    requires com.fasterxml.jackson.core;
    requires org.slf4j;
    requires static org.jspecify;

    exports io.esm4j.kinesis;
}

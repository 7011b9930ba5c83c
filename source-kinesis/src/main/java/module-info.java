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
    // without it. Not transitive: javac resolves a module's transitive requirements, static ones too, whenever it
    // compiles a module that reads it, so every user module would fail with "module not found" without the jar. A
    // user of the adapter brings the jar for the handlers written against it and requires it too. The jar has no
    // module name of its own: aws.lambda.java.events comes from the jar file name, which Maven keeps as it is.
    requires static aws.lambda.java.events;
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

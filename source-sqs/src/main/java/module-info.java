/**
 * SQS queues as the source of a queue mapping, the Lambda-shaped SQS event and an adapter for handlers written
 * against {@code aws-lambda-java-events}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.sqs {
    requires transitive io.esm4j.core;
    // In public signatures: SqsQueueSource.of(SqsClient, ...), SqsLambdaAdapter's SQSEvent, SQSBatchResponse and
    // RequestHandler. The AWS SDK jars name their automatic modules; the two aws-lambda-java jars do not, so
    // their names come from the jar file names, which Maven keeps as they are (aws-lambda-java-events-<version>.jar).
    requires transitive software.amazon.awssdk.services.sqs;
    // Only SqsLambdaAdapter needs them (optional Maven dependencies): static and not transitive, so that a user
    // module compiles without the jars (see source-kinesis's module-info); the adapter's users require them.
    requires static aws.lambda.java.events;
    requires static aws.lambda.java.core;
    requires software.amazon.awssdk.core;
    requires software.amazon.awssdk.awscore;
    requires software.amazon.awssdk.regions;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires static org.jspecify;

    exports io.esm4j.sqs;
}

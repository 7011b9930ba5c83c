/**
 * DynamoDB Streams as the source of a stream mapping, the Lambda-shaped DynamoDB event and an adapter for handlers
 * written against {@code aws-lambda-java-events}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.dynamodbstreams {
    requires transitive io.esm4j.core;
    // The builders take DynamoDbStreamsClient and DynamoDbClient, and DynamoDbRecord holds the SDK's AttributeValue
    // maps (so that the SDK's own mappers read them): public API.
    requires transitive software.amazon.awssdk.services.dynamodb;
    // Only DynamoDbLambdaAdapter needs it, and the Maven dependency is optional: static, because the module runs
    // without it; not transitive, so that a user module compiles without the jar (see source-kinesis's module-info).
    // The jar has no module name of its own: aws.lambda.java.events comes from the jar file name.
    requires static aws.lambda.java.events;
    requires software.amazon.awssdk.awscore;
    requires software.amazon.awssdk.core;
    // The client's region, checked against the stream ARN's when the source is built.
    requires software.amazon.awssdk.regions;
    requires com.fasterxml.jackson.core;
    requires static org.jspecify;

    exports io.esm4j.dynamodbstreams;
}

package io.esm4j.modulepath;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The SDK clients the esm4j modules take, as a user builds them: each from its own module, read through esm4j's. */
public record AwsClients(SqsClient sqs, SnsClient sns, S3Client s3, KinesisClient kinesis,
                         DynamoDbStreamsClient dynamoDbStreams, DynamoDbClient dynamoDb) implements AutoCloseable {

    public static final Region REGION = Region.US_EAST_1;

    public static AwsClients at(URI endpoint) {
        return new AwsClients(build(SqsClient.builder(), endpoint), build(SnsClient.builder(), endpoint),
                build(S3Client.builder(), endpoint), build(KinesisClient.builder(), endpoint),
                build(DynamoDbStreamsClient.builder(), endpoint), build(DynamoDbClient.builder(), endpoint));
    }

    private static <B extends AwsClientBuilder<B, C>, C> C build(B builder, URI endpoint) {
        return builder.region(REGION).endpointOverride(endpoint)
                // One attempt: the tests' calls fail at once instead of backing off between retries.
                .overrideConfiguration(c -> c.retryStrategy(retry -> retry.maxAttempts(1)))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
    }

    @Override
    public void close() {
        sqs.close();
        sns.close();
        s3.close();
        kinesis.close();
        dynamoDbStreams.close();
        dynamoDb.close();
    }
}

package io.esm4j.dynamodb;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** DynamoDB clients on the test run's dynalite, each with a network of its own that faults can be injected into. */
final class Clients {

    /** A client and its network. */
    record Worker(DynamoDbClient client, FaultyHttpClient network) implements AutoCloseable {
        @Override
        public void close() {
            client.close();
        }
    }

    private Clients() {}

    static Worker worker() {
        FaultyHttpClient network = new FaultyHttpClient(ApacheHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(10)).build());
        // dynalite takes any credentials; the SDK's default retry policy stays as a user would have it.
        DynamoDbClient client = DynamoDbClient.builder().endpointOverride(DynaliteExtension.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClient(network).build();
        return new Worker(client, network);
    }

    /** A table name no other test class uses. */
    static String table(String prefix) {
        return prefix + "-" + Long.toHexString(System.nanoTime());
    }
}

package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import io.esm4j.EventSourceMapping;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testsupport.RequiresDocker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The source against LocalStack's DynamoDB and DynamoDB Streams in a container: items written into a real table with
 * a stream reach a Lambda handler as the Lambda-shaped event. Skipped, not failed, where there is no Docker, with one
 * INFO line ({@link RequiresDocker} comes first, so Testcontainers does not look for Docker and log errors).
 */
@RequiresDocker
@Testcontainers(disabledWithoutDocker = true)
class LocalStackDynamoDbSourceTest {

    @Container
    private static final LocalStackContainer LOCALSTACK =
            new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4.0"))
                    .withServices("dynamodb", "dynamodbstreams");

    private static DynamoDbClient dynamodb;
    private static DynamoDbStreamsClient streams;

    @BeforeAll
    static void clients() {
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey()));
        Region region = Region.of(LOCALSTACK.getRegion());
        dynamodb = DynamoDbClient.builder().endpointOverride(LOCALSTACK.getEndpoint()).region(region)
                .credentialsProvider(credentials).build();
        streams = DynamoDbStreamsClient.builder().endpointOverride(LOCALSTACK.getEndpoint()).region(region)
                .credentialsProvider(credentials).build();
    }

    @AfterAll
    static void closeClients() {
        // The Testcontainers extension stops the container after the class.
        if (streams != null) {
            streams.close();
        }
        if (dynamodb != null) {
            dynamodb.close();
        }
    }

    @Test
    void itemsWrittenIntoATableReachTheHandlerAsLambdasEvent() throws Exception {
        String table = "orders";
        dynamodb.createTable(r -> r.tableName(table)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk")
                        .attributeType(ScalarAttributeType.S).build())
                .billingMode("PAY_PER_REQUEST")
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
        dynamodb.waiter().waitUntilTableExists(r -> r.tableName(table));
        DynamoDbStreamSource source = DynamoDbStreamSource.builder(streams).table(table, dynamodb).build();
        List<DynamodbEvent.DynamodbStreamRecord> received = new ArrayList<>();
        EventSourceMapping<DynamoDbRecord> mapping = EventSourceMapping.builder("localstack", source,
                        DynamoDbLambdaAdapter.of(event -> {
                            synchronized (received) {
                                received.addAll(event.getRecords());
                            }
                            return null;
                        }))
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                        .idlePollInterval(Duration.ofMillis(100)).shardSyncInterval(Duration.ofSeconds(1)).build())
                .build();
        mapping.start();
        try {
            dynamodb.putItem(r -> r.tableName(table).item(Map.of("pk", AttributeValue.fromS("a"),
                    "status", AttributeValue.fromS("open"))));
            dynamodb.putItem(r -> r.tableName(table).item(Map.of("pk", AttributeValue.fromS("a"),
                    "status", AttributeValue.fromS("paid"))));
            dynamodb.deleteItem(r -> r.tableName(table).key(Map.of("pk", AttributeValue.fromS("a"))));

            await().atMost(Duration.ofMinutes(2)).until(() -> {
                synchronized (received) {
                    return received.size() >= 3;
                }
            });
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
        synchronized (received) {
            assertThat(received).extracting(DynamodbEvent.DynamodbStreamRecord::getEventName)
                    .containsExactly("INSERT", "MODIFY", "REMOVE");
            assertThat(received).allSatisfy(r -> {
                assertThat(r.getEventSource()).isEqualTo("aws:dynamodb");
                assertThat(r.getEventSourceARN()).isEqualTo(source.streamArn());
                assertThat(r.getDynamodb().getKeys().get("pk").getS()).isEqualTo("a");
                assertThat(r.getDynamodb().getStreamViewType()).isEqualTo("NEW_AND_OLD_IMAGES");
            });
            assertThat(received.get(1).getDynamodb().getOldImage().get("status").getS()).isEqualTo("open");
            assertThat(received.get(1).getDynamodb().getNewImage().get("status").getS()).isEqualTo("paid");
        }
    }
}

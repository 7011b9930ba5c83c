package io.esm4j.dynamodbstreams;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.dynamodbstreams.wire.DynamoDbStreamsWireServer;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The README's example, runnable without AWS: the test endpoint on 127.0.0.1 plays DynamoDB and DynamoDB Streams; a
 * mapping built from the table name prints the Lambda event of each batch and stops.
 * {@code ./mvnw -q -pl source-dynamodb -am test-compile exec:java}
 */
public final class DynamoDbStreamsExample {

    private DynamoDbStreamsExample() {}

    public static void main(String[] args) throws Exception {
        try (DynamoDbStreamsWireServer server = DynamoDbStreamsWireServer.start();
             DynamoDbClient dynamodb = TestClients.dynamodb(server.endpoint());
             DynamoDbStreamsClient streams = TestClients.streams(server.endpoint())) {
            TestTable table = server.createTable("orders", "pk", null, TestTable.ViewType.NEW_AND_OLD_IMAGES, 2);
            table.put("{\"pk\":{\"S\":\"order-1\"},\"status\":{\"S\":\"open\"}}");
            table.put("{\"pk\":{\"S\":\"order-1\"},\"status\":{\"S\":\"paid\"}}");
            table.put("{\"pk\":{\"S\":\"order-2\"},\"status\":{\"S\":\"open\"}}");
            table.delete("{\"pk\":{\"S\":\"order-2\"}}");

            DynamoDbStreamSource source = DynamoDbStreamSource.builder(streams).table("orders", dynamodb).build();
            CountDownLatch seen = new CountDownLatch(4);
            EventSourceMapping<DynamoDbRecord> mapping = EventSourceMapping.builder("orders-to-billing", source,
                            batch -> {
                                System.out.println(DynamoDbEventJson.write(batch));
                                batch.records().forEach(r -> seen.countDown());
                                return BatchResult.success();
                            })
                    .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).build())
                    .build();
            mapping.start();
            boolean all = seen.await(30, TimeUnit.SECONDS);
            StopResult stopped = mapping.stop(Duration.ofSeconds(10));
            System.out.println((all ? "all 4 records handled; " : "timed out; ") + "stopped: " + stopped);
        }
    }
}

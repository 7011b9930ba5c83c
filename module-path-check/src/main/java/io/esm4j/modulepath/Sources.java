package io.esm4j.modulepath;

import io.esm4j.dynamodbstreams.DynamoDbSourceSettings;
import io.esm4j.dynamodbstreams.DynamoDbStreamSource;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.kinesis.KinesisSourceSettings;
import io.esm4j.kinesis.KinesisStreamSource;
import io.esm4j.sqs.SqsQueueSource;

/** Each source as its README builds it, from its SDK client or Kafka's properties; building one calls nothing. */
public final class Sources {

    public static final String QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders";
    public static final String STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";
    public static final String TABLE_STREAM_ARN =
            "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-06-10T19:26:16.525";

    private Sources() {}

    public static SqsQueueSource sqs(AwsClients clients) {
        return SqsQueueSource.ofArn(clients.sqs(), QUEUE_ARN);
    }

    public static KinesisStreamSource kinesis(AwsClients clients) {
        return KinesisStreamSource.builder(clients.kinesis()).streamArn(STREAM_ARN)
                .settings(KinesisSourceSettings.builder().getRecordsPerSecondPerShard(4).build()).build();
    }

    public static DynamoDbStreamSource dynamoDbStreams(AwsClients clients) {
        return DynamoDbStreamSource.builder(clients.dynamoDbStreams()).streamArn(TABLE_STREAM_ARN)
                .settings(DynamoDbSourceSettings.builder().getRecordsPerSecondPerShard(4).build()).build();
    }

    /** @param bootstrapServers host:port of brokers */
    public static KafkaSource kafka(String bootstrapServers) {
        return KafkaSource.builder().bootstrapServers(bootstrapServers).topics("orders").consumerGroupId("orders")
                .consumerProperty("client.id", "module-path-check").build();
    }
}

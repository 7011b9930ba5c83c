package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.handler.BatchResult;
import io.esm4j.sinks.AwsClients;
import io.esm4j.sinks.Closer;
import io.esm4j.sinks.EventJson;
import io.esm4j.sinks.FailureDestinations;
import io.esm4j.sinks.LambdaShape;
import io.esm4j.sinks.S3FailureDestination;
import io.esm4j.sinks.S3ProxyServer;
import io.esm4j.sinks.sns.PublishedMessage;
import io.esm4j.sinks.sns.SnsWireServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A Kafka mapping's poison record, bisected out and given up after its retries, lands as Lambda's Kafka failure
 * record in an SQS queue (ElasticMQ), an SNS topic (the sinks module's wire-level SNS endpoint; SNS has no read API,
 * so the endpoint's record of what it accepted is read back) and an S3 bucket (s3proxy), each named by its ARN
 * through {@code FailureDestinations.forArn}; the partition goes on past the record and commits to its end. All
 * servers run in this JVM on 127.0.0.1.
 */
class KafkaAwsDestinationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MSK_ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/abc-1";
    private static final int RECORDS = 10;
    private static final String POISON = "v4";

    private static KafkaBroker broker;
    private static SQSRestServer elasticMq;
    private static SnsWireServer snsServer;
    private static S3ProxyServer s3Server;
    private static SqsClient sqs;
    private static SnsClient sns;
    private static S3Client s3;

    @BeforeAll
    static void startServers() throws Exception {
        broker = KafkaBroker.start();
        elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        sqs = AwsClients.sqs(URI.create("http://127.0.0.1:" + elasticMq.waitUntilStarted().localAddress().getPort()));
        snsServer = SnsWireServer.start();
        sns = AwsClients.sns(snsServer.endpoint());
        s3Server = S3ProxyServer.start();
        s3 = AwsClients.s3(s3Server.endpoint());
    }

    @AfterAll
    static void stopServers() throws Exception {
        Closer.closeAll(s3, s3Server, sns, snsServer, sqs, elasticMq == null ? null : elasticMq::stopAndWait, broker);
    }

    @Test
    void theQueueGetsLambdasKafkaFailureRecord() throws Exception {
        String queueUrl = sqs.createQueue(r -> r.queueName("orders-failures-" + shortId())).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);

        PoisonRun run = runWithPoison("orders-sqs", null, queueArn);

        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(5)
                .maxNumberOfMessages(10)).messages();
        assertThat(messages).hasSize(1);
        run.assertLambdasRecord(messages.getFirst().body(), false);
    }

    @Test
    void theTopicGetsLambdasKafkaFailureRecordWithTheMskClustersArn() throws Exception {
        String topicArn = sns.createTopic(r -> r.name("orders-failures-" + shortId())).topicArn();

        PoisonRun run = runWithPoison("orders-sns", MSK_ARN, topicArn);

        List<PublishedMessage> published = snsServer.published(topicArn);
        assertThat(published).hasSize(1);
        PublishedMessage message = published.getFirst();
        assertThat(message.subject()).isNull();
        assertThat(message.messageAttributes()).isEmpty();
        run.assertLambdasRecord(message.message(), false);
    }

    @Test
    void theBucketGetsTheRecordWithTheWholeEventAsPayloadUnderLambdasKey() throws Exception {
        String bucket = "orders-failures-" + shortId();
        s3.createBucket(r -> r.bucket(bucket));

        PoisonRun run = runWithPoison("orders-s3", null, "arn:aws:s3:::" + bucket);

        List<S3Object> objects = s3.listObjectsV2(r -> r.bucket(bucket)).contents();
        assertThat(objects).hasSize(1);
        String key = objects.getFirst().key();
        String prefix = "aws/lambda/" + S3FailureDestination.mappingUuid("orders-s3") + "/" + run.topic + "-0/";
        assertThat(key).startsWith(prefix)
                .matches(".*/\\d{4}/\\d{2}/\\d{2}/\\d{4}-\\d{2}-\\d{2}T\\d{2}\\.\\d{2}\\.\\d{2}-[0-9a-f-]{36}");
        String object = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8);
        JsonNode record = run.assertLambdasRecord(object, true);
        // The payload is the event Lambda would have invoked the function with: the poison record alone.
        assertThat(record.get("payload").asText()).isEqualTo(run.source.eventJson(List.of(run.poison())));
    }

    /**
     * Ten records on one partition, the fifth poison; the handler fails every batch that holds it. With
     * BisectBatchOnFunctionError and MaximumRetryAttempts 1, bisection isolates it, it fails twice alone and is
     * given up to {@code destination}; the other nine succeed and the partition is committed to its end.
     */
    private static PoisonRun runWithPoison(String name, String eventSourceArn, String destinationArn)
            throws Exception {
        String topic = broker.topic(name, 1);
        for (int i = 0; i < RECORDS; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
        String group = "g-" + UUID.randomUUID();
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group).eventSourceArn(eventSourceArn)
                .build();
        Recorder handler = new Recorder().behave(batch -> {
            if (batch.records().stream().anyMatch(r -> Recorder.value(r).equals(POISON))) {
                throw new IllegalStateException("poison");
            }
            return BatchResult.success();
        });
        FailureDestinations destinations = FailureDestinations.builder().sqs(sqs).sns(sns).s3(s3)
                .eventJson(EventJson.ofPayloads(KafkaRecord.class, source::eventJson)).build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name, source, handler)
                .settings(Fixtures.fast().batchSize(RECORDS).bisectBatchOnFunctionError(true)
                        .maximumRetryAttempts(1).build())
                .onFailure(destinations.forArn(name, destinationArn)).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(RECORDS)
                    .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        // Past the poison record: every other record succeeded, in order.
        assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                .containsExactly("v0", "v1", "v2", "v3", "v5", "v6", "v7", "v8", "v9");
        return new PoisonRun(name, topic, source, handler);
    }

    private record PoisonRun(String name, String topic, KafkaSource source, Recorder handler) {

        KafkaRecord poison() {
            return handler.invocations.stream().flatMap(b -> b.records().stream())
                    .filter(r -> Recorder.value(r).equals(POISON)).findFirst().orElseThrow().payload();
        }

        /** The delivered JSON has the fields of Lambda's documented example, in its order, with these values. */
        JsonNode assertLambdasRecord(String delivered, boolean withPayload) throws Exception {
            LambdaShape.assertSameShape(delivered, documentedShape(withPayload));
            JsonNode record = JSON.readTree(delivered);
            assertThat(UUID.fromString(record.at("/requestContext/requestId").asText())).isNotNull();
            assertThat(record.at("/requestContext/functionArn").asText())
                    .isEqualTo("arn:aws:lambda:local:000000000000:function:" + name);
            assertThat(record.at("/requestContext/condition").asText()).isEqualTo("RetryAttemptsExhausted");
            // Every invocation it was in: on the way down the bisection, then alone twice (MaximumRetryAttempts 1).
            long invocations = handler.invocations.stream()
                    .filter(b -> b.records().stream().anyMatch(r -> Recorder.value(r).equals(POISON))).count();
            assertThat(handler.invocations.stream().filter(b -> b.records().size() == 1
                    && Recorder.value(b.records().getFirst()).equals(POISON))).hasSize(2);
            assertThat(record.at("/requestContext/approximateInvokeCount").asLong()).isEqualTo(invocations);
            assertThat(record.at("/responseContext/statusCode").asInt()).isEqualTo(200);
            assertThat(record.at("/responseContext/executedVersion").asText()).isEqualTo("$LATEST");
            assertThat(record.at("/responseContext/functionError").asText()).isEqualTo("Unhandled");
            assertThat(record.at("/version").asText()).isEqualTo("1.0");
            assertThat(Instant.parse(record.at("/timestamp").asText())).isBefore(Instant.now());
            JsonNode info = record.get("KafkaBatchInfo");
            assertThat(info.get("batchSize").asInt()).isEqualTo(1);
            if (source.eventSourceArn() != null) {
                assertThat(info.get("eventSourceArn").asText()).isEqualTo(source.eventSourceArn());
            }
            assertThat(info.get("bootstrapServers").asText()).isEqualTo(broker.bootstrapServers);
            KafkaRecord poison = poison();
            assertThat(info.get("payloadSize").asLong()).isEqualTo(
                    source.eventJson(List.of(poison)).getBytes(StandardCharsets.UTF_8).length);
            JsonNode partition = info.at("/recordsInfo/" + topic + "-0");
            String timestamp = BatchInfoStyle.KINESIS.formatArrival(Instant.ofEpochMilli(poison.timestamp()));
            assertThat(partition.get("firstRecordOffset").asText()).isEqualTo("4");
            assertThat(partition.get("lastRecordOffset").asText()).isEqualTo("4");
            assertThat(partition.get("firstRecordTimestamp").asText()).isEqualTo(timestamp);
            assertThat(partition.get("lastRecordTimestamp").asText()).isEqualTo(timestamp);
            return record;
        }

        /**
         * Lambda's example of what a Kafka mapping sends to an SNS topic or SQS queue (its S3 example adds
         * {@code payload}, a string), with this run's partition as the {@code recordsInfo} key; {@code
         * eventSourceArn} only for MSK.
         */
        ObjectNode documentedShape(boolean withPayload) throws Exception {
            ObjectNode shape = (ObjectNode) JSON.readTree("""
                    {"requestContext": {"requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
                       "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:myfunction",
                       "condition": "RetryAttemptsExhausted", "approximateInvokeCount": 1},
                     "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                       "functionError": "Unhandled"},
                     "version": "1.0",
                     "timestamp": "2019-11-14T00:38:06.021Z",
                     "KafkaBatchInfo": {"batchSize": 500,
                       "eventSourceArn": "arn:aws:kafka:us-east-1:123456789012:cluster/vpc-2priv-2pub/751d2973",
                       "bootstrapServers": "...", "payloadSize": 2039086,
                       "recordsInfo": {"PARTITION": {
                         "firstRecordOffset": "49601189658422359378836298521827638475320189012309704722",
                         "lastRecordOffset": "49601189658422359378836298522902373528957594348623495186",
                         "firstRecordTimestamp": "2019-11-14T00:38:04.835Z",
                         "lastRecordTimestamp": "2019-11-14T00:38:05.580Z"}}}}
                    """.replace("PARTITION", topic + "-0"));
            if (source.eventSourceArn() == null) {
                ((ObjectNode) shape.get("KafkaBatchInfo")).remove("eventSourceArn");
            }
            if (withPayload) {
                shape.put("payload", "<Whole Event>");
            }
            return shape;
        }
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}

package io.esm4j.sinks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The README example: a stream mapping (in-memory stream) whose handler fails on one poison record, with an SQS
 * queue as its on-failure destination (ElasticMQ in this JVM). It prints each invocation, then the message the queue
 * received (the failure record Lambda would send) and the final checkpoint. Run it with
 * {@code ./mvnw -q -B -pl sinks -am test-compile exec:java}.
 */
public final class SinksExample {

    private static final String POISON = "order-3";

    private SinksExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) throws Exception {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        URI endpoint = URI.create("http://127.0.0.1:" + server.waitUntilStarted().localAddress().getPort());
        try (SqsClient sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            String queueUrl = sqs.createQueue(r -> r.queueName("orders-failures")).queueUrl();
            String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);

            InMemoryStream stream = InMemoryStream.create("orders", 1);
            for (int i = 1; i <= 6; i++) {
                stream.put("customer-" + i, "order-" + i);
            }
            out.printf("6 records on one shard, %s is poison; BisectBatchOnFunctionError, MaximumRetryAttempts 1; "
                    + "on-failure destination %s%n%n", POISON, queueArn);

            EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder("orders", stream, batch -> {
                        List<String> orders = batch.records().stream().map(SinksExample::data).toList();
                        boolean poisoned = orders.contains(POISON);
                        out.printf("invoke %s -> %s%n", orders, poisoned ? "fails" : "ok");
                        if (poisoned) {
                            throw new IllegalArgumentException("cannot process " + POISON);
                        }
                        return BatchResult.success();
                    })
                    .settings(StreamSettings.builder()
                            .startingPosition(StartingPosition.TRIM_HORIZON)
                            .bisectBatchOnFunctionError(true)
                            .maximumRetryAttempts(1)
                            .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
                            .build())
                    .onFailure(SqsFailureDestination.ofArn(sqs, queueArn))
                    .build();
            mapping.start();
            List<Message> delivered = new ArrayList<>();
            Instant deadline = Instant.now().plusSeconds(60);
            while (delivered.isEmpty() && Instant.now().isBefore(deadline)) {
                delivered.addAll(sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(1)).messages());
            }
            StopResult stopped = mapping.stop(Duration.ofSeconds(10));

            out.println();
            out.println("the queue received " + delivered.size() + " message(s):");
            ObjectMapper json = new ObjectMapper();
            for (Message message : delivered) {
                out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(json.readTree(message.body())));
            }
            out.println("final checkpoints: " + stopped.checkpoints());
        } finally {
            server.stopAndWait();
        }
    }

    private static String data(StreamRecord<byte[]> record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }
}

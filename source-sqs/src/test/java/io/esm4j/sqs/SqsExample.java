package io.esm4j.sqs;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.QueueStopResult;
import io.esm4j.settings.QueueSettings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The README example: a Lambda function, unchanged, behind a mapping over an SQS queue (ElasticMQ in this JVM). It
 * reports one poison message as a batch item failure; the queue's redrive policy moves it to the DLQ after two
 * receives. Run it with {@code ./mvnw -q -B -pl source-sqs -am test-compile -Psqs-example}.
 */
public final class SqsExample {

    /** A handler written for Lambda against aws-lambda-java-events. */
    static final class OrderFunction implements RequestHandler<SQSEvent, SQSBatchResponse> {
        @Override
        public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
            List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
            for (SQSEvent.SQSMessage message : event.getRecords()) {
                String receives = message.getAttributes().get("ApproximateReceiveCount");
                System.out.printf("  %s: %s (receive %s)%n", context.getAwsRequestId().substring(0, 8),
                        message.getBody(), receives);
                if (message.getBody().contains("poison")) {
                    failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                }
            }
            return new SQSBatchResponse(failures);
        }
    }

    public static void main(String[] args) throws Exception {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        URI endpoint = URI.create("http://127.0.0.1:" + server.waitUntilStarted().localAddress().getPort());
        try (SqsClient sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            String dlq = sqs.createQueue(r -> r.queueName("orders-dlq")).queueUrl();
            String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
            String orders = sqs.createQueue(r -> r.queueName("orders").attributes(Map.of(
                    QueueAttributeName.VISIBILITY_TIMEOUT, "1",
                    QueueAttributeName.REDRIVE_POLICY,
                    "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"2\"}"))).queueUrl();
            for (String body : List.of("{\"order\":1}", "{\"order\":2,\"poison\":true}", "{\"order\":3}")) {
                sqs.sendMessage(r -> r.queueUrl(orders).messageBody(body));
            }

            // stop() lets each poller's long poll in progress end (at most ReceiveWaitTime) rather than abandon it on
            // the server; the default 20 s would make the example wait that long at the end.
            Duration receiveWaitTime = Duration.ofSeconds(1);
            QueueEventSourceMapping<SqsMessage> mapping = QueueEventSourceMapping.builder("orders",
                            SqsQueueSource.of(sqs, orders), SqsLambdaAdapter.of(new OrderFunction()))
                    .settings(QueueSettings.builder().batchSize(10).reportBatchItemFailures(true)
                            .receiveWaitTime(receiveWaitTime).build())
                    .build();
            System.out.println("invocations:");
            mapping.start();
            List<String> deadLetters = new ArrayList<>();
            while (deadLetters.isEmpty()) {
                sqs.receiveMessage(r -> r.queueUrl(dlq).waitTimeSeconds(1)).messages()
                        .forEach(m -> deadLetters.add(m.body()));
            }
            System.out.println("stopping: waiting for the long polls in progress to end (ReceiveWaitTime "
                    + receiveWaitTime.toSeconds() + " s) and for running batches to finish and be deleted");
            long stopStarted = System.nanoTime();
            QueueStopResult stopped = mapping.stop(Duration.ofSeconds(30));
            System.out.printf("stopped after %d ms: %s%n", (System.nanoTime() - stopStarted) / 1_000_000, stopped);
            System.out.println("in the DLQ: " + deadLetters);
            System.out.println("last processing result: " + mapping.lastProcessingResult());
        } finally {
            server.stopAndWait();
        }
    }
}

package io.esm4j.sinks;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.sinks.sns.SnsWireServer;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The README example: a stream mapping (in-memory stream) whose handler fails on one poison record, run once with
 * each kind of on-failure destination, each named by its ARN and resolved by {@link FailureDestinations#forArn}: an
 * SQS queue (ElasticMQ), an SNS topic (the tests' wire-level SNS endpoint) and an S3 bucket (s3proxy), all in this
 * JVM. For each it prints the invocations, what the destination received and the final checkpoint. Run it with
 * {@code ./mvnw -q -B -pl sinks -am test-compile exec:java}.
 */
public final class SinksExample {

    private static final String POISON = "order-3";
    /** Prints numbers as written: Lambda's arrival times are decimals (1545084650.987), not doubles. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private SinksExample() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    static void run(PrintStream out) throws Exception {
        SQSRestServer elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        SnsWireServer snsServer = null;
        S3ProxyServer s3Server = null;
        SqsClient sqs = null;
        SnsClient sns = null;
        S3Client s3 = null;
        try {
            sqs = AwsClients.sqs(URI.create("http://127.0.0.1:" + elasticMq.waitUntilStarted().localAddress().getPort()));
            snsServer = SnsWireServer.start();
            sns = AwsClients.sns(snsServer.endpoint());
            s3Server = S3ProxyServer.start();
            s3 = AwsClients.s3(s3Server.endpoint());
            FailureDestinations destinations = FailureDestinations.builder().sqs(sqs).sns(sns).s3(s3).build();
            out.printf("6 records on one shard, %s is poison; BisectBatchOnFunctionError, MaximumRetryAttempts 1%n",
                    POISON);

            String queueUrl = sqs.createQueue(r -> r.queueName("orders-failures")).queueUrl();
            SqsClient queues = sqs;
            String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
            runMapping(out, "orders-sqs", queueArn, destinations, () -> queues
                    .receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(1)).messages().stream().findFirst()
                    .map(m -> "the queue received a message; its body:\n" + pretty(m.body())));

            String topicArn = sns.createTopic(r -> r.name("orders-failures")).topicArn();
            SnsWireServer topics = snsServer;
            runMapping(out, "orders-sns", topicArn, destinations, () -> topics.published(topicArn).stream()
                    .findFirst().map(m -> "the topic received a message with " + m.messageAttributes().size()
                            + " message attributes; its body:\n" + pretty(m.message())));

            s3.createBucket(r -> r.bucket("orders-failures"));
            S3Client buckets = s3;
            runMapping(out, "orders-s3", "arn:aws:s3:::orders-failures", destinations, () -> buckets
                    .listObjectsV2(r -> r.bucket("orders-failures")).contents().stream().findFirst()
                    .flatMap(o -> describe(buckets, o)));
        } finally {
            Closer.closeAll(s3, s3Server, sns, snsServer, sqs, elasticMq::stopAndWait);
        }
    }

    /** Runs the poison mapping with the destination of this ARN until {@code delivered} finds what it received. */
    private static void runMapping(PrintStream out, String name, String destinationArn,
                                   FailureDestinations destinations, Supplier<Optional<String>> delivered)
            throws InterruptedException {
        out.printf("%n== mapping %s, on-failure destination %s%n", name, destinationArn);
        InMemoryStream stream = InMemoryStream.create(name, 1);
        for (int i = 1; i <= 6; i++) {
            stream.put("customer-" + i, "order-" + i);
        }
        EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder(name, stream, batch -> {
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
                .onFailure(destinations.forArn(name, destinationArn))
                .build();
        mapping.start();
        Optional<String> received = Optional.empty();
        Instant deadline = Instant.now().plus(PATIENCE);
        while (received.isEmpty() && Instant.now().isBefore(deadline)) {
            received = delivered.get();
            if (received.isEmpty()) {
                Thread.sleep(50);
            }
        }
        StopResult stopped = mapping.stop(Duration.ofSeconds(10));
        out.println(received.orElse("nothing was delivered within " + PATIENCE.toSeconds() + " s"));
        out.println("final checkpoints: " + stopped.checkpoints());
    }

    /**
     * The object's key and content type, the document with its payload, and the payload's event; empty while the
     * object cannot be read yet (s3proxy's file store writes an object under a temporary name and then renames it,
     * and a listing in between shows a name that is gone by the time it is read).
     */
    private static Optional<String> describe(S3Client s3, S3Object object) {
        ResponseBytes<GetObjectResponse> stored;
        try {
            stored = s3.getObjectAsBytes(r -> r.bucket("orders-failures").key(object.key()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
        ObjectNode document = (ObjectNode) tree(stored.asUtf8String());
        String payload = document.get("payload").asText();
        document.put("payload", "<below>");
        return Optional.of("the bucket received " + object.key() + " (" + stored.response().contentType() + "):\n"
                + pretty(document.toString()) + "\nits payload, the event of the given-up records:\n"
                + pretty(payload));
    }

    private static String pretty(String json) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree(json));
        } catch (IOException e) {
            throw new IllegalStateException("cannot print JSON: " + e.getMessage(), e);
        }
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("a destination received something that is not JSON: " + e.getMessage(), e);
        }
    }

    private static String data(StreamRecord<byte[]> record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }
}

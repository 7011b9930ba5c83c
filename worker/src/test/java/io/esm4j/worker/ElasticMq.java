package io.esm4j.worker;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** ElasticMQ on a free loopback port with a client, for one test class. */
final class ElasticMq implements AutoCloseable {

    static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("x", "x"));

    private final SQSRestServer server;
    private final Set<String> created = ConcurrentHashMap.newKeySet();
    final URI endpoint;
    final SqsClient sqs;

    ElasticMq() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        endpoint = URI.create("http://127.0.0.1:" + server.waitUntilStarted().localAddress().getPort());
        sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
                .build();
    }

    /** Creates the queue (with a short visibility timeout, so released messages come back soon) and returns its ARN. */
    String queue(String name, int visibilitySeconds) {
        created.add(name);
        String url = sqs.createQueue(r -> r.queueName(name).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT,
                Integer.toString(visibilitySeconds)))).queueUrl();
        return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    String url(String name) {
        return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
    }

    void send(String queue, String body) {
        sqs.sendMessage(r -> r.queueUrl(url(queue)).messageBody(body));
    }

    /**
     * Until closed, sends a message to each queue every 200 ms. A stopping SQS mapping lets its receive in flight end
     * instead of cutting it off (what it returns is handled or released, never left invisible), which on an idle
     * queue is a 20 s long poll, capped by the worker's drain timeout; a message ends it at once. Tests that wait for
     * a mapping to stop or be replaced use this so that they do not wait for that long poll. No queue named: every
     * queue made by {@link #queue}.
     */
    AutoCloseable endingLongPolls(String... queues) {
        List<String> targets = queues.length == 0 ? List.copyOf(created) : List.of(queues);
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread sender = Thread.ofPlatform().daemon().name("end-long-polls").start(() -> {
            while (sending.get()) {
                targets.forEach(queue -> send(queue, "end-long-poll"));
                LockSupport.parkNanos(200_000_000L);
            }
        });
        return () -> {
            sending.set(false);
            sender.join();
        };
    }

    /**
     * Ends the long polls still open in the server: those of workers killed without a drain stay open until their
     * 20 s wait ends, and the server's stop waits for them. A receive waiting on a queue takes a message the moment it
     * is sent, so messages are sent to each queue until one stays there (at most 100: a stuck queue only costs that
     * wait again).
     */
    private void endOpenLongPolls() {
        for (String queue : created) {
            String url = url(queue);
            for (int i = 0; i < 100 && visibleMessages(url) == 0; i++) {
                sqs.sendMessage(r -> r.queueUrl(url).messageBody("end-long-poll"));
            }
        }
    }

    private int visibleMessages(String url) {
        return Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
    }

    @Override
    public void close() {
        try {
            endOpenLongPolls();
        } finally {
            sqs.close();
            server.stopAndWait();
        }
    }
}

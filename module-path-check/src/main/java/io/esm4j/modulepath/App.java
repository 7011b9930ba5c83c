package io.esm4j.modulepath;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.kafka.KafkaFailureTopic;
import io.esm4j.sinks.FailureDestinations;
import io.lettuce.core.RedisClient;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A program on esm4j, as a user launches one: {@code java --module-path ... -m io.esm4j.modulepath/...App <url>}.
 * The boot layer then holds what this module requires and what service binding adds, and nothing more (a test run
 * under a test runner resolves every system module besides), so what it does proves those are enough. It prints one
 * {@code name=value} line per check; the url is a loopback port that nothing listens on.
 */
public final class App {

    private App() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("expected one argument, an http://127.0.0.1:<port> URL that nothing "
                    + "listens on, but got " + List.of(args));
        }
        URI closed = URI.create(args[0]);
        Duration timeout = Duration.ofSeconds(30);
        print("module", App.class.getModule().getName() + " in the boot layer: "
                + (App.class.getModule().getLayer() == ModuleLayer.boot()));
        Scenarios.StreamRun stream = Scenarios.stream(timeout);
        print("stream.handled", stream.handled().size());
        JsonNode failure = new ObjectMapper().readTree(stream.failures().getFirst().toJson());
        print("stream.failure", failure.path("requestContext").path("condition").asText());
        print("stream.failure.batchSize", failure.path("KinesisBatchInfo").path("batchSize").asInt());
        Scenarios.QueueRun queue = Scenarios.queue(timeout);
        print("queue.deadLetters", queue.deadLetters());
        print("queue.left", queue.left());
        try (AwsClients clients = AwsClients.at(closed)) {
            print("sqs", rootCause(() -> Sources.sqs(clients)));
            print("dynamodb", rootCause(() -> Stores.dynamoDbLeases(clients.dynamoDb()).list("orders")));
            print("dynamodb.keys", rootCause(() -> Stores.dynamoDbKeys(clients.dynamoDb()).acquire("order-1", null,
                    "worker-1", Instant.now().plusSeconds(60))));
            // The stream's failure record, sent on by the sinks module's destinations as Lambda sends it.
            FailureDestinations destinations = Destinations.all(clients);
            for (String arn : List.of(Destinations.QUEUE_ARN, Destinations.TOPIC_ARN, Destinations.BUCKET_ARN)) {
                print("destination." + arn.split(":")[2], rootCause(() -> {
                    destinations.forArn("orders", arn).send(stream.failures().getFirst());
                    return null;
                }));
            }
        }
        try (KafkaFailureTopic topic = Sources.kafka(closed.getHost() + ":" + closed.getPort())
                .failureTopic("orders-failures")) {
            print("kafka", topic.getClass().getModule().getName());
        }
        print("kafka.mapping", Scenarios.kafka(closed.getHost() + ":" + closed.getPort(), timeout));
        RedisClient redis = RedisClient.create("redis://" + closed.getHost() + ":" + closed.getPort());
        try {
            print("redis", rootCause(() -> Stores.redisLeases(redis.connect().sync())));
        } finally {
            redis.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
    }

    private static void print(String name, Object value) {
        System.out.println(name + "=" + value);
    }

    /** The class of the innermost cause of what {@code call} throws, or "no failure". */
    private static String rootCause(Callable<?> call) {
        try {
            call.call();
            return "no failure";
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return root.getClass().getName();
        }
    }
}

package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.esm4j.worker.config.Endpoints;
import io.esm4j.worker.mappings.ManagedMapping;
import io.github.embeddedkafka.EmbeddedK;
import io.github.embeddedkafka.EmbeddedKafka$;
import io.github.embeddedkafka.EmbeddedKafkaConfig$;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.immutable.Map$;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.EndPointType;
import software.amazon.awssdk.services.lambda.model.EventSourcePosition;
import software.amazon.awssdk.services.lambda.model.GetEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.ResourceInUseException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.SourceAccessType;

/**
 * Self-managed Kafka and Amazon MSK mappings from a worker file and from Lambda's API (the SDK's LambdaClient), in the
 * worker's own JVM, on a KRaft broker in the test JVM (embedded-kafka, 127.0.0.1, free ports), with MSK's
 * GetBootstrapBrokers on a loopback test endpoint: an HTTP function and a Java handler receive Lambda's Kafka event,
 * and a failing function's records are given up to a {@code kafka://} on-failure topic with Lambda's Kafka failure
 * record.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaWorkerTest {

    /** The one schema version the test's AWS Glue endpoint has. */
    private static final String GLUE_VERSION = "00010203-0405-0607-0809-0a0b0c0d0e0f";

    private static final ObjectMapper JSON = new ObjectMapper();

    private String bootstrapServers;
    private Admin admin;
    private KafkaProducer<String, String> producer;
    private HttpServer function;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<JsonNode> apiEvents = new CopyOnWriteArrayList<>();
    private final List<JsonNode> mskEvents = new CopyOnWriteArrayList<>();
    private final List<JsonNode> registryEvents = new CopyOnWriteArrayList<>();
    private final List<JsonNode> groupEvents = new CopyOnWriteArrayList<>();
    @TempDir
    Path directory;

    @BeforeAll
    void start() throws Exception {
        scala.collection.immutable.Map<String, String> empty = Map$.MODULE$.empty();
        @SuppressWarnings("unchecked")
        scala.collection.immutable.Map<String, String> broker = (scala.collection.immutable.Map<String, String>)
                empty.updated("group.initial.rebalance.delay.ms", "0").updated("auto.create.topics.enable", "false");
        EmbeddedK kafka = EmbeddedKafka$.MODULE$.start(EmbeddedKafkaConfig$.MODULE$.apply(0, 0, broker, empty,
                empty));
        bootstrapServers = "127.0.0.1:" + kafka.config().kafkaPort();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1), new StringSerializer(),
                new StringSerializer());
        function = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        function.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        function.createContext("/fn", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                events.add(JSON.readTree(in));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        function.createContext("/api", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                apiEvents.add(JSON.readTree(in));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        function.createContext("/msk-fn", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                mskEvents.add(JSON.readTree(in));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        function.createContext("/group-fn", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                groupEvents.add(JSON.readTree(in));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        function.createContext("/registry-fn", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                registryEvents.add(JSON.readTree(in));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        // A schema registry that has schema 7 (a JSON Schema) and no other.
        function.createContext("/registry/schemas/ids/", exchange -> {
            try (exchange) {
                boolean known = exchange.getRequestURI().getPath().endsWith("/7");
                String answer = known ? "{\"schemaType\":\"JSON\",\"schema\":\"{}\"}"
                        : "{\"error_code\":40403,\"message\":\"Schema not found\"}";
                byte[] body = answer.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(known ? 200 : 404, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        // AWS Glue's GetSchemaVersion (JSON 1.1), with one schema version in registry "shop": a JSON Schema.
        function.createContext("/glue", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                boolean known = JSON.readTree(in).path("SchemaVersionId").asText().equals(GLUE_VERSION);
                byte[] body = JSON.writeValueAsBytes(known ? Map.of("SchemaVersionId", GLUE_VERSION,
                        "SchemaDefinition", "{\"type\": \"object\"}", "DataFormat", "JSON", "Status", "AVAILABLE",
                        "SchemaArn", "arn:aws:glue:us-east-1:123456789012:schema/shop/orders")
                        : Map.of("__type", "EntityNotFoundException", "Message", "Schema version is not found."));
                if (!known) {
                    exchange.getResponseHeaders().set("x-amzn-ErrorType", "EntityNotFoundException");
                }
                exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
                exchange.sendResponseHeaders(known ? 200 : 400, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        function.createContext("/fail", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
                exchange.sendResponseHeaders(400, -1);
            }
        });
        function.start();
    }

    @AfterAll
    void stop() {
        try {
            function.stop(0);
            producer.close(Duration.ofSeconds(5));
            admin.close(Duration.ofSeconds(5));
        } finally {
            EmbeddedKafka$.MODULE$.stop();
        }
    }

    @Test
    void recordsReachTheFunctionAsLambdasKafkaEventAndGivenUpOnesTheFailureTopic() throws Exception {
        admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1), new NewTopic("payments", 1, (short) 1),
                new NewTopic("payments-failures", 1, (short) 1))).all().get();
        String url = "http://127.0.0.1:" + function.getAddress().getPort();
        Path config = directory.resolve("mappings.yaml");
        Files.writeString(config, """
                EventSourceMappings:
                  - FunctionName: %2$s/fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [orders]
                    SelfManagedKafkaEventSourceConfig: {ConsumerGroupId: orders-worker}
                    StartingPosition: TRIM_HORIZON
                  - FunctionName: %2$s/fail
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [payments]
                    StartingPosition: TRIM_HORIZON
                    MaximumRetryAttempts: 0
                    DestinationConfig: {OnFailure: {Destination: "kafka://payments-failures"}}
                """.formatted(bootstrapServers, url));
        try (Worker worker = Worker.start(WorkerOptions.defaults().withConfigFile(config).withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS))) {
            producer.send(new ProducerRecord<>("orders", "k1", "first")).get();
            producer.send(new ProducerRecord<>("orders", "k2", "second")).get();
            producer.send(new ProducerRecord<>("payments", "p", "poison")).get();

            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                values.clear();
                events.forEach(event -> event.path("records").path("orders-0").forEach(record -> values.add(
                        new String(Base64.getDecoder().decode(record.path("value").asText()),
                                StandardCharsets.UTF_8))));
                return values.size() >= 2;
            });
            assertThat(values).containsExactly("first", "second");
            JsonNode event = events.getFirst();
            assertThat(event.path("eventSource").asText()).isEqualTo("SelfManagedKafka");
            assertThat(event.path("bootstrapServers").asText()).isEqualTo(bootstrapServers);
            JsonNode first = event.path("records").path("orders-0").get(0);
            assertThat(first.path("topic").asText()).isEqualTo("orders");
            assertThat(first.path("offset").asLong()).isZero();
            assertThat(new String(Base64.getDecoder().decode(first.path("key").asText()), StandardCharsets.UTF_8))
                    .isEqualTo("k1");

            JsonNode failure = JSON.readTree(firstMessage("payments-failures"));
            assertThat(failure.path("requestContext").path("condition").asText())
                    .isEqualTo("RetryAttemptsExhausted");
            // The ARN the mapping API reports as FunctionArn.
            assertThat(failure.path("requestContext").path("functionArn").asText())
                    .isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:" + url + "/fail");
            assertThat(failure.path("KafkaBatchInfo").path("bootstrapServers").asText()).isEqualTo(bootstrapServers);
            assertThat(failure.path("KafkaBatchInfo").path("batchSize").asInt()).isEqualTo(1);
        }
    }

    @Test
    void aMappingCreatedWithTheSdksLambdaClientRunsIsDescribedAsLambdaDoesAndStopsWhenDeleted() throws Exception {
        admin.createTopics(List.of(new NewTopic("api-orders", 1, (short) 1))).all().get();
        String functionName = "http://127.0.0.1:" + function.getAddress().getPort() + "/api";
        try (Worker worker = Worker.start(WorkerOptions.defaults().withDataDirectory(directory.resolve("api"))
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                .withDrainTimeout(Duration.ofSeconds(10)));
             LambdaClient lambda = LambdaClient.builder().endpointOverride(worker.url()).region(Region.US_EAST_1)
                     .credentialsProvider(ElasticMq.CREDENTIALS).build()) {
            CreateEventSourceMappingResponse created = lambda.createEventSourceMapping(r -> r
                    .functionName(functionName)
                    .selfManagedEventSource(s -> s.endpoints(Map.of(EndPointType.KAFKA_BOOTSTRAP_SERVERS,
                            List.of(bootstrapServers))))
                    .topics("api-orders")
                    .startingPosition(EventSourcePosition.TRIM_HORIZON)
                    .selfManagedKafkaEventSourceConfig(c -> c.consumerGroupId("api-orders-group"))
                    // Kept and ignored: the worker reaches the brokers from its own network.
                    .sourceAccessConfigurations(a -> a.type(SourceAccessType.VPC_SUBNET).uri("subnet:subnet-0123"))
                    .batchSize(10));
            String uuid = created.uuid();
            assertThat(created.eventSourceArn()).isNull();
            assertThat(created.topics()).containsExactly("api-orders");
            assertThat(created.selfManagedEventSource().endpoints())
                    .containsEntry(EndPointType.KAFKA_BOOTSTRAP_SERVERS, List.of(bootstrapServers));
            assertThat(created.selfManagedKafkaEventSourceConfig().consumerGroupId()).isEqualTo("api-orders-group");
            assertThat(created.startingPosition()).isEqualTo(EventSourcePosition.TRIM_HORIZON);
            assertThat(created.batchSize()).isEqualTo(10);
            await().atMost(Duration.ofSeconds(120)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid))
                    .state().equals("Enabled"));

            for (String value : List.of("one", "two", "three")) {
                producer.send(new ProducerRecord<>("api-orders", "key", value)).get();
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> values(apiEvents, "api-orders-0").size() >= 3);
            assertThat(values(apiEvents, "api-orders-0")).containsExactly("one", "two", "three");
            assertThat(apiEvents.getFirst().path("eventSource").asText()).isEqualTo("SelfManagedKafka");

            GetEventSourceMappingResponse described = lambda.getEventSourceMapping(r -> r.uuid(uuid));
            assertThat(described.topics()).containsExactly("api-orders");
            assertThat(described.selfManagedEventSource().endpoints())
                    .containsEntry(EndPointType.KAFKA_BOOTSTRAP_SERVERS, List.of(bootstrapServers));
            assertThat(described.selfManagedKafkaEventSourceConfig().consumerGroupId())
                    .isEqualTo("api-orders-group");
            assertThat(described.startingPosition()).isEqualTo(EventSourcePosition.TRIM_HORIZON);
            assertThat(described.sourceAccessConfigurations()).singleElement().satisfies(access -> {
                assertThat(access.type()).isEqualTo(SourceAccessType.VPC_SUBNET);
                assertThat(access.uri()).isEqualTo("subnet:subnet-0123");
            });
            assertThat(described.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:"
                    + functionName);
            assertThat(lambda.listEventSourceMappings(r -> r.functionName(functionName)).eventSourceMappings())
                    .singleElement().satisfies(mapping -> {
                        assertThat(mapping.uuid()).isEqualTo(uuid);
                        assertThat(mapping.topics()).containsExactly("api-orders");
                        assertThat(mapping.selfManagedKafkaEventSourceConfig().consumerGroupId())
                                .isEqualTo("api-orders-group");
                    });
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(3).equals(committed("api-orders-group",
                    "api-orders")));

            assertThat(lambda.deleteEventSourceMapping(r -> r.uuid(uuid)).state()).isEqualTo("Deleting");
            await().atMost(Duration.ofSeconds(120)).until(() -> lambda.listEventSourceMappings()
                    .eventSourceMappings().isEmpty());
            // The mapping's consumer has left its group: nothing reads the topic any more.
            await().atMost(Duration.ofSeconds(60)).until(() -> admin.describeConsumerGroups(
                    List.of("api-orders-group")).all().get().get("api-orders-group").members().isEmpty());
            assertThatThrownBy(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid)))
                    .isInstanceOf(ResourceNotFoundException.class);
        }
    }

    @Test
    void aMappingWithoutConsumerGroupIdKeepsOneGroupAcrossUpdatesSoLatestSkipsNothing() throws Exception {
        admin.createTopics(List.of(new NewTopic("group-orders", 1, (short) 1))).all().get();
        String functionName = "http://127.0.0.1:" + function.getAddress().getPort() + "/group-fn";
        try (Worker worker = Worker.start(WorkerOptions.defaults().withDataDirectory(directory.resolve("group"))
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                .withDrainTimeout(Duration.ofSeconds(10)));
             LambdaClient lambda = LambdaClient.builder().endpointOverride(worker.url()).region(Region.US_EAST_1)
                     .credentialsProvider(ElasticMq.CREDENTIALS).build()) {
            String uuid = lambda.createEventSourceMapping(r -> r.functionName(functionName)
                    .selfManagedEventSource(s -> s.endpoints(Map.of(EndPointType.KAFKA_BOOTSTRAP_SERVERS,
                            List.of(bootstrapServers))))
                    .topics("group-orders")
                    .startingPosition(EventSourcePosition.LATEST)).uuid();
            // As Lambda reports it: the group the mapping joins, its UUID.
            assertThat(lambda.getEventSourceMapping(r -> r.uuid(uuid)).selfManagedKafkaEventSourceConfig()
                    .consumerGroupId()).isEqualTo(uuid);
            // LATEST reads what comes once the consumer has its position: send until a record arrives.
            int[] sent = {0};
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                producer.send(new ProducerRecord<>("group-orders", "k", "before-" + sent[0]++)).get();
                return !values(groupEvents, "group-orders-0").isEmpty();
            });
            // The mapping's group is its UUID, and it commits there.
            await().atMost(Duration.ofSeconds(60)).until(() -> committed(uuid, "group-orders") != null);
            // As in Lambda, no update until the mapping is no longer Creating: its records flow a moment before.
            await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid))
                    .state().equals("Enabled"));

            lambda.updateEventSourceMapping(r -> r.uuid(uuid).enabled(false));
            await().atMost(Duration.ofSeconds(120)).until(() -> admin.describeConsumerGroups(List.of(uuid)).all()
                    .get().get(uuid).members().isEmpty());
            producer.send(new ProducerRecord<>("group-orders", "k", "while-disabled")).get();
            await().atMost(Duration.ofSeconds(60)).ignoreException(ResourceInUseException.class).until(() ->
                    lambda.updateEventSourceMapping(r -> r.uuid(uuid).enabled(true).batchSize(50)) != null);

            // A new group would start at LATEST, after this record; the mapping's own group resumes before it.
            await().atMost(Duration.ofSeconds(120)).until(() -> values(groupEvents, "group-orders-0")
                    .contains("while-disabled"));
        }
    }

    @Test
    void anMskMappingFindsItsBrokersWithGetBootstrapBrokersAndItsEventSaysAwsKafka() throws Exception {
        admin.createTopics(List.of(new NewTopic("msk-orders", 1, (short) 1))).all().get();
        String cluster = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c-2d3e-4";
        String missing = "arn:aws:kafka:us-east-1:123456789012:cluster/gone/5f6a-7b8c-9";
        String connection = "arn:aws:kafka:us-east-1:210987654321:vpc-connection/123456789012/orders/5f6a-7b8c-9";
        List<String> brokerRequests = new CopyOnWriteArrayList<>();
        // MSK's API: the cluster without IAM or TLS, so Lambda's choice is its plaintext brokers (the test broker).
        function.createContext("/msk", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getRawPath();
                brokerRequests.add(exchange.getRequestMethod() + " " + path + " "
                        + exchange.getRequestHeaders().getFirst("Authorization"));
                boolean toCluster = path.equals("/msk/v1/vpc-connection/" + URLEncoder.encode(connection,
                        StandardCharsets.UTF_8));
                boolean known = toCluster || path.equals("/msk/v1/clusters/" + URLEncoder.encode(cluster,
                        StandardCharsets.UTF_8) + "/bootstrap-brokers");
                byte[] body = (toCluster ? "{\"TargetClusterArn\": \"" + cluster + "\"}"
                        : known ? "{\"BootstrapBrokerString\": \"" + bootstrapServers + "\"}"
                        : "{\"message\": \"not found\"}").getBytes(StandardCharsets.UTF_8);
                if (!known) {
                    exchange.getResponseHeaders().set("x-amzn-ErrorType", "NotFoundException");
                }
                exchange.sendResponseHeaders(known ? 200 : 404, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        String url = "http://127.0.0.1:" + function.getAddress().getPort();
        try (Worker worker = Worker.start(WorkerOptions.defaults().withDataDirectory(directory.resolve("msk"))
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                .withEndpoints(Endpoints.none().with("kafka", URI.create(url + "/msk")))
                .withDrainTimeout(Duration.ofSeconds(10)));
             LambdaClient lambda = LambdaClient.builder().endpointOverride(worker.url()).region(Region.US_EAST_1)
                     .credentialsProvider(ElasticMq.CREDENTIALS).build()) {
            CreateEventSourceMappingResponse created = lambda.createEventSourceMapping(r -> r
                    .functionName(url + "/msk-fn")
                    .eventSourceArn(cluster)
                    .topics("msk-orders")
                    .startingPosition(EventSourcePosition.TRIM_HORIZON)
                    .amazonManagedKafkaEventSourceConfig(c -> c.consumerGroupId("msk-orders-group")));
            assertThat(created.eventSourceArn()).isEqualTo(cluster);
            assertThat(created.amazonManagedKafkaEventSourceConfig().consumerGroupId()).isEqualTo("msk-orders-group");
            String gone = lambda.createEventSourceMapping(r -> r.functionName(url + "/msk-fn").eventSourceArn(missing)
                    .topics("msk-orders").startingPosition(EventSourcePosition.LATEST)).uuid();

            producer.send(new ProducerRecord<>("msk-orders", "k", "from-msk")).get();
            await().atMost(Duration.ofSeconds(120)).until(() -> values(mskEvents, "msk-orders-0").contains(
                    "from-msk"));
            JsonNode event = mskEvents.getFirst();
            assertThat(event.path("eventSource").asText()).isEqualTo("aws:kafka");
            assertThat(event.path("eventSourceArn").asText()).isEqualTo(cluster);
            assertThat(event.path("bootstrapServers").asText()).isEqualTo(bootstrapServers);
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(1).equals(committed("msk-orders-group",
                    "msk-orders")));
            assertThat(brokerRequests).allSatisfy(request -> assertThat(request).startsWith("GET /msk/v1/clusters/")
                    .contains("AWS4-HMAC-SHA256 Credential=x/").contains("/us-east-1/kafka/aws4_request"));

            // A cluster MSK does not know: the mapping says why in its state, and keeps trying.
            await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(gone))
                    .stateTransitionReason().startsWith("PROBLEM"));
            assertThat(lambda.getEventSourceMapping(r -> r.uuid(gone)).stateTransitionReason())
                    .contains("cannot find the brokers of MSK cluster " + missing)
                    .contains("answered status 404 NotFoundException");
        }
        // With --msk-public-endpoints the worker takes the public brokers, which this cluster does not have; a
        // multi-VPC connection to it takes the connection's brokers, which it does not have either.
        Path config = Files.writeString(directory.resolve("msk.yaml"), """
                EventSourceMappings:
                  - FunctionName: %1$s/msk-fn
                    EventSourceArn: %2$s
                    Topics: [msk-orders]
                    StartingPosition: LATEST
                  - FunctionName: %1$s/msk-fn
                    EventSourceArn: %3$s
                    Topics: [msk-orders]
                    StartingPosition: LATEST
                """.formatted(url, cluster, connection));
        try (Worker worker = Worker.start(WorkerOptions.defaults().withConfigFile(config)
                .withDataDirectory(directory.resolve("msk-public")).withListen("127.0.0.1", 0)
                .withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                .withEndpoints(Endpoints.none().with("kafka", URI.create(url + "/msk")))
                .withMskPublicEndpoints(true))) {
            for (ManagedMapping mapping : worker.registry().list()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> mapping.stateTransitionReason()
                        .startsWith("PROBLEM"));
                assertThat(mapping.stateTransitionReason()).contains("cannot connect to MSK cluster " + cluster)
                        .contains(mapping.spec().eventSourceArn().equals(connection)
                                ? "no multi-VPC brokers (is multi-VPC connectivity turned on?)"
                                : "no public brokers (is public access turned on?)");
            }
            assertThat(worker.registry().list()).hasSize(2);
        } finally {
            function.removeContext("/msk");
        }
    }

    @Test
    void aJavaHandlerGetsLambdasKafkaEventAndItsBatchItemFailuresAreRetried() throws Exception {
        admin.createTopics(List.of(new NewTopic("java-orders", 1, (short) 1))).all().get();
        Path config = directory.resolve("java.yaml");
        Files.writeString(config, """
                Functions:
                  kafka-java:
                    Handler: %2$s
                EventSourceMappings:
                  - FunctionName: kafka-java
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [java-orders]
                    SelfManagedKafkaEventSourceConfig: {ConsumerGroupId: java-orders-group}
                    StartingPosition: TRIM_HORIZON
                    FunctionResponseTypes: [ReportBatchItemFailures]
                """.formatted(bootstrapServers, RecordingKafkaHandler.class.getName()));
        try (Worker worker = Worker.start(WorkerOptions.defaults().withConfigFile(config)
                .withDataDirectory(directory.resolve("java")).withListen("127.0.0.1", 0)
                .withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS))) {
            producer.send(new ProducerRecord<>("java-orders", "k1", "first")).get();
            producer.send(new ProducerRecord<>("java-orders", "k2", "fail-once")).get();
            producer.send(new ProducerRecord<>("java-orders", "k3", "third")).get();

            await().atMost(Duration.ofSeconds(120)).until(() -> Long.valueOf(3).equals(committed("java-orders-group",
                    "java-orders")));
            List<String> values = new ArrayList<>();
            RecordingKafkaHandler.EVENTS.forEach(event -> event.getRecords().values().forEach(records -> records
                    .forEach(record -> values.add(text(record.getValue())))));
            // Lambda retries a partition from its first reported failure: "fail-once" and what follows come again.
            assertThat(values).containsSubsequence("first", "fail-once", "fail-once", "third");
            assertThat(values).containsOnlyOnce("first");
            KafkaEvent event = RecordingKafkaHandler.EVENTS.getFirst();
            assertThat(event.getEventSource()).isEqualTo("SelfManagedKafka");
            assertThat(event.getBootstrapServers()).isEqualTo(bootstrapServers);
            KafkaEvent.KafkaEventRecord first = event.getRecords().get("java-orders-0").getFirst();
            assertThat(first.getTopic()).isEqualTo("java-orders");
            assertThat(first.getPartition()).isZero();
            assertThat(first.getOffset()).isZero();
            assertThat(text(first.getKey())).isEqualTo("k1");
        }
    }

    @Test
    void aSchemaRegistryConfigDeliversValidatedValuesWithTheirMetadataAndDropsUnknownSchemas() throws Exception {
        admin.createTopics(List.of(new NewTopic("registry-orders", 1, (short) 1),
                new NewTopic("glue-orders", 1, (short) 1))).all().get();
        String url = "http://127.0.0.1:" + function.getAddress().getPort();
        Path config = directory.resolve("registry.yaml");
        Files.writeString(config, """
                Endpoints:
                  glue: %2$s/glue
                EventSourceMappings:
                  - FunctionName: %2$s/registry-fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [registry-orders]
                    StartingPosition: TRIM_HORIZON
                    SelfManagedKafkaEventSourceConfig:
                      SchemaRegistryConfig:
                        SchemaRegistryURI: %2$s/registry
                        EventRecordFormat: JSON
                        SchemaValidationConfigs: [{Attribute: VALUE}]
                  - FunctionName: %2$s/registry-fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [glue-orders]
                    StartingPosition: TRIM_HORIZON
                    SelfManagedKafkaEventSourceConfig:
                      SchemaRegistryConfig:
                        SchemaRegistryURI: arn:aws:glue:us-east-1:123456789012:registry/shop
                        EventRecordFormat: JSON
                        SchemaValidationConfigs: [{Attribute: VALUE}]
                """.formatted(bootstrapServers, url));
        try (Worker worker = Worker.start(WorkerOptions.defaults().withConfigFile(config).withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS))) {
            // Framed as a registry's serializer frames JSON Schema values: a zero byte, the schema id in four bytes.
            String schema7 = "\u0000\u0000\u0000\u0000\u0007";
            String unknownSchema = "\u0000\u0000\u0000\u0000\u0008";
            producer.send(new ProducerRecord<>("registry-orders", "k1", schema7 + "{\"n\":1}")).get();
            producer.send(new ProducerRecord<>("registry-orders", "k2", unknownSchema + "{\"n\":2}")).get();
            producer.send(new ProducerRecord<>("registry-orders", "k3", schema7 + "{\"n\":3}")).get();

            // Framed as Glue's serializers frame them: byte 3, no compression, the schema version's 16 bytes (chosen
            // below 0x80, so that the test's string producer writes them as they are).
            String glueVersion = "\u0003\u0000\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\n"
                    + "\u000b\u000c\r\u000e\u000f";
            String otherVersion = glueVersion.substring(0, 17) + "\u0011";
            producer.send(new ProducerRecord<>("glue-orders", "g1", glueVersion + "{\"n\":4}")).get();
            producer.send(new ProducerRecord<>("glue-orders", "g2", otherVersion + "{\"n\":5}")).get();
            producer.send(new ProducerRecord<>("glue-orders", "g3", glueVersion + "{\"n\":6}")).get();

            await().atMost(Duration.ofSeconds(120))
                    .until(() -> values(registryEvents, "registry-orders-0").size() >= 2
                            && values(registryEvents, "glue-orders-0").size() >= 2);
            assertThat(values(registryEvents, "registry-orders-0")).containsExactly("{\"n\":1}", "{\"n\":3}");
            assertThat(values(registryEvents, "glue-orders-0")).containsExactly("{\"n\":4}", "{\"n\":6}");
            JsonNode first = registryEvents.stream().filter(event -> event.path("records").has("registry-orders-0"))
                    .findFirst().orElseThrow().path("records").path("registry-orders-0").get(0);
            assertThat(first.path("valueSchemaMetadata").toString())
                    .isEqualTo("{\"dataFormat\":\"JSON\",\"schemaId\":\"7\"}");
            JsonNode glue = registryEvents.stream().filter(event -> event.path("records").has("glue-orders-0"))
                    .findFirst().orElseThrow().path("records").path("glue-orders-0").get(0);
            assertThat(glue.path("valueSchemaMetadata").toString())
                    .isEqualTo("{\"dataFormat\":\"JSON\",\"schemaId\":\"" + GLUE_VERSION + "\"}");
        }
    }

    private static List<String> values(List<JsonNode> events, String partition) {
        List<String> values = new ArrayList<>();
        events.forEach(event -> event.path("records").path(partition).forEach(record -> values.add(
                text(record.path("value").asText()))));
        return values;
    }

    /** Decodes a base64 key or value of Lambda's Kafka event. */
    static String text(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private Long committed(String group, String topic) throws Exception {
        var offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                .get(new TopicPartition(topic, 0));
        return offset == null ? null : offset.offset();
    }

    private String firstMessage(String topic) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
                return !values.isEmpty();
            });
            return values.getFirst();
        }
    }
}

package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import io.esm4j.testsupport.FreePorts;
import io.esm4j.testsupport.TestCertificates;
import io.esm4j.testsupport.TestCertificates.Identity;
import io.esm4j.worker.mappings.ManagedMapping;
import io.github.embeddedkafka.EmbeddedK;
import io.github.embeddedkafka.EmbeddedKafka$;
import io.github.embeddedkafka.EmbeddedKafkaConfig$;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.immutable.Map$;
import software.amazon.awssdk.regions.Region;

/**
 * Lambda's SourceAccessConfigurations for self-managed Kafka, end to end on loopback: a KRaft broker in the test JVM
 * with a SASL_SSL listener (a self-signed certificate for 127.0.0.1 made with the JDK's keytool; SASL/SCRAM-SHA-512
 * and SASL/PLAIN users) and a mutual-TLS listener (trusting the worker's self-signed client certificate), the
 * credentials, the client certificate with its key and the root certificate as secrets in Lambda's JSON shapes
 * behind a Secrets Manager GetSecretValue test endpoint, and mappings that read through them; one of them validates
 * its values with a schema registry over mutual TLS (SchemaRegistryConfig's AccessConfigs: the client certificate
 * with an encrypted key, and the root CA).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaAuthWorkerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";
    private static final String WRONG_PASSWORD = "wrong-Pa55w0rd-for-bob";

    @TempDir
    static Path directory;
    private EmbeddedK kafka;
    private String plainServers;
    private String secureServers;
    private String mtlsServers;
    private Admin admin;
    private KafkaProducer<String, String> producer;
    private HttpServer http;
    private HttpsServer registry;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    /** The password the plain-HTTP schema registry (user dave, basic authentication) accepts now. */
    private volatile String registryPassword = "dave-password-1";

    @BeforeAll
    void start() throws Exception {
        Identity brokerIdentity = TestCertificates.selfSigned(directory, "broker", "127.0.0.1", true);
        Path keyStore = brokerIdentity.keyStore();
        String certificate = brokerIdentity.certificatePem();
        // The worker's client certificate (self-signed), which the broker's mutual-TLS listener and the schema
        // registry trust.
        Identity client = TestCertificates.selfSigned(directory, "client", "esm4j-worker", false);
        String clientCertificate = client.certificatePem();
        Path trustStore = TestCertificates.trustStoreFile(directory.resolve("broker-trust.p12"), clientCertificate);
        registry = brokerIdentity.httpsServer(true, clientCertificate);
        // Schema 7, a JSON Schema, and no other.
        registry.createContext("/schemas/ids/", exchange -> {
            try (exchange) {
                boolean seven = exchange.getRequestURI().getPath().equals("/schemas/ids/7");
                byte[] body = JSON.writeValueAsBytes(seven ? Map.of("schemaType", "JSON", "schema",
                        "{\"type\": \"object\"}") : Map.of("error_code", 40403, "message", "Schema not found"));
                exchange.sendResponseHeaders(seven ? 200 : 404, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        registry.start();

        int[] ports = FreePorts.distinct(4);
        int plainPort = ports[0];
        int securePort = ports[1];
        int mtlsPort = ports[2];
        int controllerPort = ports[3];
        plainServers = "localhost:" + plainPort;
        secureServers = "127.0.0.1:" + securePort;
        mtlsServers = "127.0.0.1:" + mtlsPort;
        String secure = "listener.name.secure.";
        String mtls = "listener.name.mtls.";
        Map<String, String> broker = Map.ofEntries(
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("listeners", "BROKER://localhost:" + plainPort + ",CONTROLLER://localhost:" + controllerPort
                        + ",SECURE://127.0.0.1:" + securePort + ",MTLS://127.0.0.1:" + mtlsPort),
                Map.entry("advertised.listeners", "BROKER://localhost:" + plainPort + ",SECURE://127.0.0.1:"
                        + securePort + ",MTLS://127.0.0.1:" + mtlsPort),
                Map.entry("listener.security.protocol.map", "BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT,SECURE:SASL_SSL,"
                        + "MTLS:SSL"),
                Map.entry(mtls + "ssl.client.auth", "required"),
                Map.entry(mtls + "ssl.keystore.location", keyStore.toString()),
                Map.entry(mtls + "ssl.keystore.type", "PKCS12"),
                Map.entry(mtls + "ssl.keystore.password", TestCertificates.STORE_PASSWORD),
                Map.entry(mtls + "ssl.key.password", TestCertificates.STORE_PASSWORD),
                Map.entry(mtls + "ssl.truststore.location", trustStore.toString()),
                Map.entry(mtls + "ssl.truststore.type", "PKCS12"),
                Map.entry(mtls + "ssl.truststore.password", TestCertificates.STORE_PASSWORD),
                Map.entry(secure + "sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512"),
                Map.entry(secure + "plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule"
                        + " required user_alice=\"alice-password\";"),
                Map.entry(secure + "scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;"),
                // SCRAM connections authenticate again every few seconds (KIP-368): a password changed on the broker
                // is refused soon on the connections already open, as a reconnect after a rotation would be.
                Map.entry(secure + "scram-sha-512.connections.max.reauth.ms", "3000"),
                Map.entry(secure + "ssl.keystore.location", keyStore.toString()),
                Map.entry(secure + "ssl.keystore.type", "PKCS12"),
                Map.entry(secure + "ssl.keystore.password", TestCertificates.STORE_PASSWORD),
                Map.entry(secure + "ssl.key.password", TestCertificates.STORE_PASSWORD));
        scala.collection.immutable.Map<String, String> empty = Map$.MODULE$.empty();
        kafka = EmbeddedKafka$.MODULE$.start(EmbeddedKafkaConfig$.MODULE$.apply(plainPort, controllerPort,
                scalaMap(broker), empty, empty));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, plainServers));
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("bob",
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "bob-password"))).all().get();
        admin.createTopics(List.of(new NewTopic("scram-orders", 1, (short) 1),
                new NewTopic("plain-orders", 1, (short) 1), new NewTopic("mtls-orders", 1, (short) 1),
                new NewTopic("registry-orders", 1, (short) 1))).all().get();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, plainServers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1), new StringSerializer(),
                new StringSerializer());

        secrets.put(ARN + "bob", JSON.writeValueAsString(Map.of("username", "bob", "password", "bob-password")));
        secrets.put(ARN + "alice", JSON.writeValueAsString(Map.of("username", "alice", "password",
                "alice-password")));
        secrets.put(ARN + "wrong-password", JSON.writeValueAsString(Map.of("username", "bob", "password",
                WRONG_PASSWORD)));
        secrets.put(ARN + "root-ca", JSON.writeValueAsString(Map.of("certificate", certificate)));
        secrets.put(ARN + "client-certificate", JSON.writeValueAsString(Map.of("certificate", clientCertificate,
                "privateKey", client.privateKeyPem())));
        secrets.put(ARN + "registry-client", JSON.writeValueAsString(Map.of("certificate", clientCertificate,
                "privateKey", client.encryptedPrivateKeyPem("key-password"), "privateKeyPassword", "key-password")));
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/secretsmanager", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                JsonNode request = JSON.readTree(in);
                authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
                String id = request.path("SecretId").asText();
                String value = secrets.get(id);
                boolean found = "secretsmanager.GetSecretValue".equals(exchange.getRequestHeaders()
                        .getFirst("X-Amz-Target")) && value != null;
                byte[] body = (found ? JSON.writeValueAsString(Map.of("ARN", id, "Name", id.substring(ARN.length()),
                        "SecretString", value))
                        : "{\"__type\":\"com.amazon.AWSMimirService#ResourceNotFoundException\", "
                        + "\"Message\":\"Secrets Manager can't find the specified secret.\"}")
                        .getBytes(StandardCharsets.UTF_8);
                // As Secrets Manager answers, a JSON 1.1 service: the error type in the body only, no header.
                exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
                exchange.sendResponseHeaders(found ? 200 : 400, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        // A registry with basic authentication: any id is a JSON Schema object, for dave with the password it takes
        // now.
        http.createContext("/registry/schemas/ids/", exchange -> {
            try (exchange) {
                String expected = "Basic " + java.util.Base64.getEncoder().encodeToString(("dave:"
                        + registryPassword).getBytes(StandardCharsets.UTF_8));
                boolean accepted = expected.equals(exchange.getRequestHeaders().getFirst("Authorization"));
                byte[] body = JSON.writeValueAsBytes(accepted ? Map.of("schemaType", "JSON", "schema",
                        "{\"type\": \"object\"}") : Map.of("error_code", 401, "message", "Unauthorized"));
                exchange.sendResponseHeaders(accepted ? 200 : 401, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        http.createContext("/fn", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                events.add(JSON.readTree(in));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        http.start();
    }

    @AfterAll
    void stop() {
        try {
            if (http != null) {
                http.stop(0);
            }
            if (registry != null) {
                registry.stop(0);
            }
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
        } finally {
            if (kafka != null) {
                // Also takes it off embedded-kafka's list of running servers, which KafkaWorkerTest stops as a whole.
                EmbeddedKafka$.MODULE$.stop(kafka);
            }
        }
    }

    @Test
    void credentialsCertificatesAndTheRootCaFromSecretsManagerReachTheBrokersAndTheSchemaRegistry() throws Exception {
        String url = "http://127.0.0.1:" + http.getAddress().getPort();
        Path config = directory.resolve("mappings.yaml");
        Files.writeString(config, """
                Endpoints:
                  secretsmanager: %2$s/secretsmanager
                EventSourceMappings:
                  - FunctionName: %2$s/fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [scram-orders]
                    StartingPosition: TRIM_HORIZON
                    SourceAccessConfigurations:
                      - {Type: SASL_SCRAM_512_AUTH, URI: "%3$sbob"}
                      - {Type: SERVER_ROOT_CA_CERTIFICATE, URI: "%3$sroot-ca"}
                      - {Type: VPC_SUBNET, URI: "subnet:subnet-0123456789abcdef0"}
                  - FunctionName: %2$s/fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [plain-orders]
                    StartingPosition: TRIM_HORIZON
                    SourceAccessConfigurations:
                      - {Type: BASIC_AUTH, URI: "%3$salice"}
                      - {Type: SERVER_ROOT_CA_CERTIFICATE, URI: "%3$sroot-ca"}
                  - FunctionName: %2$s/fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%4$s"]}}
                    Topics: [mtls-orders]
                    StartingPosition: TRIM_HORIZON
                    SourceAccessConfigurations:
                      - {Type: CLIENT_CERTIFICATE_TLS_AUTH, URI: "%3$sclient-certificate"}
                      - {Type: SERVER_ROOT_CA_CERTIFICATE, URI: "%3$sroot-ca"}
                  - FunctionName: %2$s/fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%5$s"]}}
                    Topics: [registry-orders]
                    StartingPosition: TRIM_HORIZON
                    SelfManagedKafkaEventSourceConfig:
                      SchemaRegistryConfig:
                        SchemaRegistryURI: "%6$s"
                        EventRecordFormat: JSON
                        SchemaValidationConfigs: [{Attribute: VALUE}]
                        AccessConfigs:
                          - {Type: CLIENT_CERTIFICATE_TLS_AUTH, URI: "%3$sregistry-client"}
                          - {Type: SERVER_ROOT_CA_CERTIFICATE, URI: "%3$sroot-ca"}
                  - FunctionName: %2$s/fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [missing-secret]
                    StartingPosition: TRIM_HORIZON
                    SourceAccessConfigurations:
                      - {Type: BASIC_AUTH, URI: "%3$snobody"}
                  - FunctionName: %2$s/fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [refused-orders]
                    StartingPosition: TRIM_HORIZON
                    SourceAccessConfigurations:
                      - {Type: SASL_SCRAM_512_AUTH, URI: "%3$swrong-password"}
                      - {Type: SERVER_ROOT_CA_CERTIFICATE, URI: "%3$sroot-ca"}
                """.formatted(secureServers, url, ARN, mtlsServers, plainServers,
                "https://127.0.0.1:" + registry.getAddress().getPort()));
        try (Worker worker = startWorker(config, "data")) {
            producer.send(new ProducerRecord<>("scram-orders", "k", "scram-record")).get();
            producer.send(new ProducerRecord<>("plain-orders", "k", "plain-record")).get();
            producer.send(new ProducerRecord<>("mtls-orders", "k", "mtls-record")).get();
            // Framed as a registry's serializer frames JSON Schema values: a zero byte, then schema id 7.
            producer.send(new ProducerRecord<>("registry-orders", "k", "\u0000\u0000\u0000\u0000\u0007{\"n\":1}"))
                    .get();

            await().atMost(Duration.ofSeconds(120)).until(() -> values().containsAll(List.of("scram-record",
                    "plain-record", "mtls-record", "{\"n\":1}")));
            assertThat(events).allSatisfy(event -> assertThat(event.path("bootstrapServers").asText())
                    .isEqualTo(event.path("records").has("mtls-orders-0") ? mtlsServers
                            : event.path("records").has("registry-orders-0")
                                    || event.path("records").has("registry-rotated-orders-0") ? plainServers
                                    : secureServers));
            assertThat(authorizations).isNotEmpty().allSatisfy(authorization -> assertThat(authorization)
                    .startsWith("AWS4-HMAC-SHA256 Credential=x/").contains("/us-east-1/secretsmanager/aws4_request"));

            ManagedMapping missing = worker.registry().list().stream()
                    .filter(mapping -> mapping.spec().strings("Topics").contains("missing-secret")).findFirst()
                    .orElseThrow();
            await().atMost(Duration.ofSeconds(60)).until(() -> missing.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(missing.stateTransitionReason()).contains("cannot read secret " + ARN + "nobody")
                    .contains("status 400 ResourceNotFoundException");
            for (ManagedMapping mapping : worker.registry().list()) {
                assertThat(mapping.stateTransitionReason()).doesNotContain("password");
            }
            // The broker refuses a wrong SCRAM password: the failure shows, the password never does, wherever the
            // reason is shown (the API, /health and the status page answer without a signature here).
            ManagedMapping refused = worker.registry().list().stream().filter(mapping -> String.valueOf(mapping.spec()
                    .node("SourceAccessConfigurations")).contains("wrong-password")).findFirst().orElseThrow();
            await().atMost(Duration.ofSeconds(60)).until(() -> refused.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(refused.stateTransitionReason()).contains("uthentication").doesNotContain(WRONG_PASSWORD);
            // LastProcessingResult says it in Lambda's words, the API and the status page too.
            await().atMost(Duration.ofSeconds(30)).until(() -> refused.lastProcessingResult()
                    .equals("PROBLEM: SASL authentication failed."));
            assertThat(get(worker, "/2015-03-31/event-source-mappings/"))
                    .contains("\"LastProcessingResult\":\"PROBLEM: SASL authentication failed.\"");
            for (String path : List.of("/health", "/status", "/2015-03-31/event-source-mappings/")) {
                assertThat(get(worker, path)).contains("PROBLEM").doesNotContain(WRONG_PASSWORD)
                        .doesNotContain("bob-password");
            }
        }
    }

    /**
     * A SCRAM password rotated while the mapping runs: the broker takes only the new one from then on, and the secret
     * holds it. The consumer's connections are refused with the old one; the mapping re-reads its secret, sees it
     * changed and restarts its consumer with it, without a restart of the worker, and records go on arriving.
     */
    @Test
    void aScramPasswordRotatedWhileTheMappingRunsIsTakenUp() throws Exception {
        scramPassword("carol", "carol-password-1");
        admin.createTopics(List.of(new NewTopic("rotated-orders", 1, (short) 1))).all().get();
        String url = "http://127.0.0.1:" + http.getAddress().getPort();
        Path config = directory.resolve("rotation.yaml");
        Files.writeString(config, """
                Endpoints:
                  secretsmanager: %2$s/secretsmanager
                EventSourceMappings:
                  - FunctionName: %2$s/fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [rotated-orders]
                    StartingPosition: TRIM_HORIZON
                    SourceAccessConfigurations:
                      - {Type: SASL_SCRAM_512_AUTH, URI: "%3$scarol"}
                      - {Type: SERVER_ROOT_CA_CERTIFICATE, URI: "%3$sroot-ca"}
                """.formatted(secureServers, url, ARN));
        try (Worker worker = startWorker(config, "rotation-data")) {
            producer.send(new ProducerRecord<>("rotated-orders", "k", "before-rotation")).get();
            await().atMost(Duration.ofSeconds(60)).until(() -> values().contains("before-rotation"));
            ManagedMapping mapping = worker.registry().list().getFirst();

            scramPassword("carol", "carol-password-2");
            // The broker refuses the old password once the consumer authenticates again: the problem shows (for at
            // least a second when the mapping takes up the new password; for good when it does not).
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> mapping.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(mapping.stateTransitionReason()).contains("uthentication").doesNotContain("carol-password");
            producer.send(new ProducerRecord<>("rotated-orders", "k", "after-rotation")).get();

            // Until the restarted consumer runs, the mapping says why it is not working yet.
            List<String> shown = new CopyOnWriteArrayList<>();
            List<String> results = new CopyOnWriteArrayList<>();
            Callable<Boolean> sample = () -> {
                shown.add(mapping.state() + " " + mapping.stateTransitionReason());
                results.add(mapping.lastProcessingResult());
                return values().contains("after-rotation");
            };
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> sample.call()
                    || shown.getLast().endsWith("(a secret changed: restarting the consumer with it)"));
            // The old consumer cannot leave the group (the broker refuses its password), so the group would hold the
            // partition for its member until the session expires (45 s) before the restarted consumer gets it, a wait
            // this test is not about: an operator's removal of the members ends it.
            removeGroupMembers(mapping.uuid());
            await().atMost(Duration.ofSeconds(120)).until(sample);
            assertThat(shown).anySatisfy(status -> assertThat(status)
                    .startsWith("Enabling PROBLEM: polling Kafka failed").contains("uthentication")
                    .endsWith("(a secret changed: restarting the consumer with it)"));
            assertThat(shown).noneSatisfy(status -> assertThat(status).contains("carol-password"));
            assertThat(worker.registry().list()).containsExactly(mapping);
            await().atMost(Duration.ofSeconds(30)).until(() -> mapping.state().equals("Enabled")
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
            // The refusal showed in Lambda's words while it lasted, and is gone once the new consumer works.
            assertThat(results).contains("PROBLEM: SASL authentication failed.");
            await().atMost(Duration.ofSeconds(30)).until(() -> mapping.lastProcessingResult().equals("OK"));
            assertThat(get(worker, "/status")).doesNotContain("carol-password");
        }
    }

    /**
     * A schema registry password rotated while the mapping runs (the registry takes only the new one, the secret holds
     * it): the registry's refusal, met on the next schema fetched, is a problem of the mapping, which re-reads its
     * secrets, sees the registry's changed and restarts its consumer with it; the record that waited arrives.
     */
    @Test
    void aSchemaRegistryPasswordRotatedWhileTheMappingRunsIsTakenUp() throws Exception {
        registryPassword = "dave-password-1";
        secrets.put(ARN + "dave", JSON.writeValueAsString(Map.of("username", "dave", "password", "dave-password-1")));
        admin.createTopics(List.of(new NewTopic("registry-rotated-orders", 1, (short) 1))).all().get();
        String url = "http://127.0.0.1:" + http.getAddress().getPort();
        Path config = directory.resolve("registry-rotation.yaml");
        Files.writeString(config, """
                Endpoints:
                  secretsmanager: %2$s/secretsmanager
                EventSourceMappings:
                  - FunctionName: %2$s/fn
                    SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ["%1$s"]}}
                    Topics: [registry-rotated-orders]
                    StartingPosition: TRIM_HORIZON
                    SelfManagedKafkaEventSourceConfig:
                      SchemaRegistryConfig:
                        SchemaRegistryURI: "%2$s/registry"
                        EventRecordFormat: JSON
                        SchemaValidationConfigs: [{Attribute: VALUE}]
                        AccessConfigs:
                          - {Type: BASIC_AUTH, URI: "%3$sdave"}
                """.formatted(plainServers, url, ARN));
        try (Worker worker = startWorker(config, "registry-rotation-data")) {
            // Framed as a registry's serializer frames JSON Schema values: a zero byte, then the schema id.
            producer.send(new ProducerRecord<>("registry-rotated-orders", "k",
                    "\u0000\u0000\u0000\u0000\u0015{\"before\":1}")).get();
            await().atMost(Duration.ofSeconds(60)).until(() -> values().contains("{\"before\":1}"));
            ManagedMapping mapping = worker.registry().list().getFirst();

            registryPassword = "dave-password-2";
            secrets.put(ARN + "dave", JSON.writeValueAsString(Map.of("username", "dave", "password",
                    "dave-password-2")));
            // Schema 22 is fetched with the old password: refused.
            producer.send(new ProducerRecord<>("registry-rotated-orders", "k",
                    "\u0000\u0000\u0000\u0000\u0016{\"after\":2}")).get();
            List<String> shown = new CopyOnWriteArrayList<>();
            List<String> results = new CopyOnWriteArrayList<>();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> {
                shown.add(mapping.state() + " " + mapping.stateTransitionReason());
                results.add(mapping.lastProcessingResult());
                return values().contains("{\"after\":2}");
            });
            assertThat(shown).anySatisfy(status -> assertThat(status)
                    .startsWith("Enabling PROBLEM: the schema registry refused the mapping's credentials")
                    .contains("HTTP 401").endsWith("(a secret changed: restarting the consumer with it)"));
            assertThat(shown).noneSatisfy(status -> assertThat(status).contains("dave-password"));
            assertThat(results).contains("PROBLEM: Schema registry failed to authenticate Lambda.");
            await().atMost(Duration.ofSeconds(30)).until(() -> mapping.state().equals("Enabled")
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
            await().atMost(Duration.ofSeconds(30)).until(() -> mapping.lastProcessingResult().equals("OK"));
            assertThat(get(worker, "/status")).doesNotContain("dave-password");
        }
    }

    /** Removes every member of the consumer group (Admin.removeMembersFromConsumerGroup, all members). */
    private void removeGroupMembers(String group) throws Exception {
        try {
            admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions()).all().get();
        } catch (ExecutionException e) {
            // No member left to remove (its session expired already): nothing to shorten.
        }
    }

    private static Worker startWorker(Path config, String dataDirectory) throws Exception {
        return Worker.start(WorkerOptions.defaults().withConfigFile(config)
                .withDataDirectory(directory.resolve(dataDirectory)).withListen("127.0.0.1", 0)
                .withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS).withDrainTimeout(Duration.ofSeconds(10)));
    }

    /** Sets the user's SCRAM-SHA-512 password on the broker and in its secret, {@code <ARN>user}. */
    private void scramPassword(String user, String password) throws Exception {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get();
        secrets.put(ARN + user, JSON.writeValueAsString(Map.of("username", user, "password", password)));
    }

    private static String get(Worker worker, String path) throws Exception {
        try (java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient()) {
            return client.send(java.net.http.HttpRequest.newBuilder(worker.url().resolve(path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private List<String> values() {
        List<String> values = new ArrayList<>();
        events.forEach(event -> event.path("records").forEach(partition -> partition.forEach(record ->
                values.add(KafkaWorkerTest.text(record.path("value").asText())))));
        return values;
    }

    @SuppressWarnings("unchecked")
    private static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> properties) {
        scala.collection.immutable.Map<String, String> map = Map$.MODULE$.empty();
        for (Map.Entry<String, String> entry : properties.entrySet()) {
            map = (scala.collection.immutable.Map<String, String>) map.updated(entry.getKey(), entry.getValue());
        }
        return map;
    }
}

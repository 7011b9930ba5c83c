package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testsupport.TestCertificates;
import io.esm4j.testsupport.TestCertificates.Identity;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;

/** Self-managed Kafka and Amazon MSK mappings from a worker file, in the shape of Lambda's request. */
class KafkaMappingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";
    private static final Function<Region, GlueClient> NO_GLUE = region -> {
        throw new AssertionError("no Glue client for a Confluent-compatible registry");
    };

    private static final String SOURCE = "\"SelfManagedEventSource\": {\"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": "
            + "[\"b-1.example:9092\", \"b-2.example:9092\"]}}, \"Topics\": [\"orders\"]";
    private static final String MSK = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c-2d3e-4";
    private final SourceFactories factories = SourceFactories.discover();

    @Test
    void lambdaFieldsBecomeTheSourceAndItsSettings() {
        MappingSpec spec = WorkerFile.parse("""
                EventSourceMappings:
                  - FunctionName: orders
                    SelfManagedEventSource:
                      Endpoints:
                        KAFKA_BOOTSTRAP_SERVERS: ["b-1.example:9092", "b-2.example:9092"]
                    Topics: [orders]
                    SelfManagedKafkaEventSourceConfig: {ConsumerGroupId: orders-processor}
                    StartingPosition: AT_TIMESTAMP
                    StartingPositionTimestamp: 2026-12-01T00:00:00Z
                    BatchSize: 50
                    MaximumBatchingWindowInSeconds: 2
                    BisectBatchOnFunctionError: true
                    MaximumRecordAgeInSeconds: 600
                    MaximumRetryAttempts: 3
                    FunctionResponseTypes: [ReportBatchItemFailures]
                    FilterCriteria:
                      Filters:
                        - Pattern: '{"value":{"type":["order"]}}'
                    DestinationConfig: {OnFailure: {Destination: "kafka://orders-failures"}}
                """, true).mappings().getFirst();

        assertThat(factories.forMapping(spec)).isInstanceOf(KafkaSourceFactory.class);
        KafkaSource source = KafkaSourceFactory.source(spec);
        assertThat(source.bootstrapServers()).isEqualTo("b-1.example:9092,b-2.example:9092");
        assertThat(source.topics()).isEqualTo(List.of("orders"));
        assertThat(source.consumerGroupId()).isEqualTo("orders-processor");
        assertThat(source.eventSource()).isEqualTo("SelfManagedKafka");
        StreamSettings settings = KafkaSourceFactory.settings(spec, "arn:fn");
        assertThat(settings.startingPosition()).isEqualTo(StartingPosition.AT_TIMESTAMP);
        assertThat(settings.startingPositionTimestamp()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(settings.batchSize()).isEqualTo(50);
        assertThat(settings.maximumBatchingWindow()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.bisectBatchOnFunctionError()).isTrue();
        assertThat(settings.maximumRecordAgeInSeconds()).isEqualTo(600);
        assertThat(settings.maximumRetryAttempts()).isEqualTo(3);
        assertThat(settings.reportBatchItemFailures()).isTrue();
        assertThat(spec.onFailureDestination()).isEqualTo("kafka://orders-failures");
        assertThat(spec.source()).isEqualTo("b-1.example:9092,b-2.example:9092 orders");
    }

    @Test
    void anUpdateKeepsTheConsumerGroupAMappingWasCreatedWith() {
        KafkaSourceFactory factory = new KafkaSourceFactory();
        MappingSpec named = spec("\"StartingPosition\": \"LATEST\", "
                + "\"SelfManagedKafkaEventSourceConfig\": {\"ConsumerGroupId\": \"orders-group\"}");
        MappingSpec unnamed = spec("\"StartingPosition\": \"LATEST\"");

        factory.checkUpdate("uuid-1", named, named.merge(group("orders-group")));
        factory.checkUpdate("uuid-1", unnamed, unnamed.merge(group("uuid-1")));
        assertThatThrownBy(() -> factory.checkUpdate("uuid-1", named, named.merge(group("other"))))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for SelfManagedKafkaEventSourceConfig.ConsumerGroupId: other.")
                .hasMessageContaining("this mapping's is orders-group");
        assertThatThrownBy(() -> factory.checkUpdate("uuid-1", unnamed, unnamed.merge(group("orders-group"))))
                .isInstanceOf(InvalidMappingException.class).hasMessageContaining("this mapping's is uuid-1");
    }

    private static com.fasterxml.jackson.databind.JsonNode group(String id) {
        return json("{\"SelfManagedKafkaEventSourceConfig\": {\"ConsumerGroupId\": \"" + id + "\"}}");
    }

    @Test
    void lambdasKafkaDefaults() {
        MappingSpec spec = spec("\"StartingPosition\": \"LATEST\"");
        factories.forMapping(spec);
        StreamSettings settings = KafkaSourceFactory.settings(spec, "arn:fn");
        assertThat(settings.batchSize()).isEqualTo(100);
        assertThat(settings.maximumBatchingWindow()).isEqualTo(Duration.ofMillis(500));
        assertThat(KafkaSourceFactory.source(spec).consumerGroupId()).isNull();
    }

    @Test
    void invalidFieldsAreRefusedWithValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"OLDEST\"")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessage("Invalid value for StartingPosition: OLDEST. Expected one of [TRIM_HORIZON, LATEST, "
                        + "AT_TIMESTAMP].");
        assertThatThrownBy(() -> factories.forMapping(spec("")))
                .hasMessageContaining("StartingPosition is required for a Kafka source");
        assertThatThrownBy(() -> factories.forMapping(MappingSpec.of(json("{\"FunctionName\": \"f\", "
                + "\"StartingPosition\": \"LATEST\", \"Topics\": [\"a\", \"b\"], \"SelfManagedEventSource\": "
                + "{\"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": [\"b:9092\"]}}}"), "")))
                .hasMessage("Invalid value for Topics: [\"a\",\"b\"]. Expected exactly one topic name, as Lambda "
                        + "takes.");
        assertThatThrownBy(() -> factories.forMapping(MappingSpec.of(json("{\"FunctionName\": \"f\", "
                + "\"StartingPosition\": \"LATEST\", \"Topics\": [\"a\"], \"SelfManagedEventSource\": "
                + "{\"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": [\"no-port\"]}}}"), "")))
                .hasMessageContaining("SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS")
                .hasMessageContaining("no-port").hasMessageContaining("host:port");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"SelfManagedKafkaEventSourceConfig\": {\"ConsumerGroupId\": \"\"}")))
                .hasMessage("Invalid value for SelfManagedKafkaEventSourceConfig.ConsumerGroupId: . Expected 1-200 "
                        + "characters.");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"SelfManagedKafkaEventSourceConfig\": {\"ConsumerGroupId\": \"" + "g".repeat(201) + "\"}")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for SelfManagedKafkaEventSourceConfig.ConsumerGroupId: ggg")
                .hasMessageEndingWith(". Expected 1-200 characters.");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"SelfManagedKafkaEventSourceConfig\": {\"ConsumerGroupId\": 7}")))
                .hasMessage("Invalid value for SelfManagedKafkaEventSourceConfig.ConsumerGroupId: 7. Expected 1-200 "
                        + "characters from a-z, A-Z, 0-9 and - / * : _ + = . @, as Lambda takes (or leave it out: "
                        + "the mapping's UUID is then its group).");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"SelfManagedKafkaEventSourceConfig\": {\"GroupId\": \"g\"}")))
                .hasMessageContaining("SelfManagedKafkaEventSourceConfig.GroupId")
                .hasMessageContaining("allowed: ConsumerGroupId");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"ParallelizationFactor\": 2")))
                .hasMessageContaining("ParallelizationFactor is not valid for Kafka event sources");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", \"BatchSize\": 0")))
                .hasMessage("Invalid value for BatchSize: 0. Expected an integer from 1 to 10,000.");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"AmazonManagedKafkaEventSourceConfig\": {\"ConsumerGroupId\": \"g\"}")))
                .hasMessage("Invalid value for AmazonManagedKafkaEventSourceConfig: {\"ConsumerGroupId\":\"g\"}. "
                        + "Valid for an Amazon MSK source (EventSourceArn) only; use "
                        + "SelfManagedKafkaEventSourceConfig.");
    }

    /** Lambda's pattern, [a-zA-Z0-9-\/*:_+=.@-]*: Kafka takes any string, Lambda refuses the others. */
    @Test
    void aConsumerGroupIdTakesLambdasCharactersOnly() {
        for (String id : List.of("orders group", "orders#1", "ordérs", "orders\u00a0", "a,b")) {
            for (MappingSpec spec : List.of(spec("\"StartingPosition\": \"LATEST\", "
                    + "\"SelfManagedKafkaEventSourceConfig\": " + groupConfig(id)), msk("\"EventSourceArn\": \"" + MSK
                    + "\", \"AmazonManagedKafkaEventSourceConfig\": " + groupConfig(id)))) {
                String field = spec.has("EventSourceArn") ? "AmazonManagedKafkaEventSourceConfig"
                        : "SelfManagedKafkaEventSourceConfig";
                assertThatThrownBy(() -> factories.forMapping(spec)).as(id)
                        .isInstanceOf(InvalidMappingException.class)
                        .hasMessage("Invalid value for " + field + ".ConsumerGroupId: " + id + ". Expected 1-200 "
                                + "characters from a-z, A-Z, 0-9 and - / * : _ + = . @, as Lambda takes (or leave "
                                + "it out: the mapping's UUID is then its group).");
                // A mapping stored before the check still starts in its group, keeping its committed offsets.
                assertThat(KafkaSourceFactory.source(spec, "b-1.example:9092", Map.of(), null, "uuid")
                        .consumerGroupId()).isEqualTo(id);
            }
        }
        String every = "azAZ09-/*:_+=.@";
        MappingSpec selfManaged = spec("\"StartingPosition\": \"LATEST\", \"SelfManagedKafkaEventSourceConfig\": "
                + groupConfig(every));
        assertThat(factories.forMapping(selfManaged)).isInstanceOf(KafkaSourceFactory.class);
        assertThat(KafkaSourceFactory.source(selfManaged).consumerGroupId()).isEqualTo(every);
        assertThat(factories.forMapping(msk("\"EventSourceArn\": \"" + MSK + "\", "
                + "\"AmazonManagedKafkaEventSourceConfig\": " + groupConfig(every))))
                .isInstanceOf(KafkaSourceFactory.class);
    }

    private static String groupConfig(String id) {
        try {
            return JSON.writeValueAsString(Map.of("ConsumerGroupId", id));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anMskClustersArnIsAKafkaSourceWithLambdasMskFields() {
        MappingSpec spec = WorkerFile.parse("""
                EventSourceMappings:
                  - FunctionName: orders
                    EventSourceArn: %s
                    Topics: [orders]
                    AmazonManagedKafkaEventSourceConfig: {ConsumerGroupId: orders-processor}
                    StartingPosition: TRIM_HORIZON
                    SourceAccessConfigurations:
                      - {Type: SASL_SCRAM_512_AUTH, URI: "arn:aws:secretsmanager:us-east-1:123456789012:secret:s"}
                """.formatted(MSK), true).mappings().getFirst();

        assertThat(factories.forMapping(spec)).isInstanceOf(KafkaSourceFactory.class);
        KafkaSource source = KafkaSourceFactory.source(spec);
        assertThat(source.eventSource()).isEqualTo("aws:kafka");
        assertThat(source.eventSourceArn()).isEqualTo(MSK);
        assertThat(source.consumerGroupId()).isEqualTo("orders-processor");
        assertThat(spec.source()).as("one cluster has many topics").isEqualTo(MSK + " orders");
    }

    @Test
    void whatLambdaDoesNotTakeForMskIsRefused() {
        assertThatThrownBy(() -> factories.forMapping(msk("\"EventSourceArn\": \"arn:aws:kafka:us-east-1:"
                + "123456789012:configuration/orders/0b1c-2\"")))
                .hasMessageStartingWith("Invalid value for EventSourceArn: arn:aws:kafka:us-east-1:123456789012:"
                        + "configuration/orders/0b1c-2. Expected an Amazon MSK cluster's ARN");
        // A multi-VPC connection to another account's cluster is taken, as Lambda takes it.
        assertThat(factories.forMapping(msk("\"EventSourceArn\": \"arn:aws:kafka:us-east-1:210987654321:"
                + "vpc-connection/123456789012/orders/0b1c-2\""))).isInstanceOf(KafkaSourceFactory.class);
        assertThatThrownBy(() -> factories.forMapping(msk("\"EventSourceArn\": \"" + MSK + "\", "
                + "\"SelfManagedKafkaEventSourceConfig\": {\"ConsumerGroupId\": \"g\"}")))
                .hasMessageContaining("SelfManagedKafkaEventSourceConfig")
                .hasMessageContaining("Not valid for an Amazon MSK source");
        assertThatThrownBy(() -> factories.forMapping(msk("\"EventSourceArn\": \"" + MSK + "\", "
                + "\"AmazonManagedKafkaEventSourceConfig\": {\"ConsumerGroupId\": \"\"}")))
                .hasMessage("Invalid value for AmazonManagedKafkaEventSourceConfig.ConsumerGroupId: . Expected 1-200 "
                        + "characters.");
        assertThatThrownBy(() -> factories.forMapping(msk("\"EventSourceArn\": \"" + MSK + "\", "
                + "\"SourceAccessConfigurations\": [{\"Type\": \"BASIC_AUTH\", \"URI\": "
                + "\"arn:aws:secretsmanager:us-east-1:123456789012:secret:s\"}]")))
                .hasMessage("Invalid value for SourceAccessConfigurations[0].Type: BASIC_AUTH. Expected one of "
                        + "CLIENT_CERTIFICATE_TLS_AUTH, SASL_SCRAM_512_AUTH for an Amazon MSK source (without one, "
                        + "the worker uses IAM authentication if the cluster has it on, as Lambda does).");
    }

    @Test
    void aSchemaRegistryConfigIsTheSourcesRegistryAndItsErrorsNameTheField() throws Exception {
        String registry = "\"SchemaRegistryConfig\": {"
                + "\"SchemaRegistryURI\": \"https://registry.example/apis/ccompat/v7\", "
                + "\"EventRecordFormat\": \"JSON\", "
                + "\"SchemaValidationConfigs\": [{\"Attribute\": \"VALUE\"}, {\"Attribute\": \"VALUE\"}], "
                + "\"AccessConfigs\": [{\"Type\": \"BASIC_AUTH\", \"URI\": "
                + "\"arn:aws:secretsmanager:us-east-1:123456789012:secret:registry\"}]}";
        MappingSpec spec = spec("\"StartingPosition\": \"LATEST\", \"SelfManagedKafkaEventSourceConfig\": "
                + "{\"ConsumerGroupId\": \"g\", " + registry + "}");
        factories.forMapping(spec).validate(spec);

        KafkaSchemaRegistry validated = KafkaSourceFactory.source(spec).schemaRegistry();
        assertThat(validated.uri()).hasToString("https://registry.example/apis/ccompat/v7");
        assertThat(validated.eventRecordFormat()).isEqualTo(KafkaSchemaRegistry.EventRecordFormat.JSON);
        assertThat(validated.validates(KafkaSchemaRegistry.Attribute.VALUE)).isTrue();
        assertThat(validated.validates(KafkaSchemaRegistry.Attribute.KEY)).isFalse();
        // Validation reads no secret; a start reads the BASIC_AUTH one.
        assertThat(validated.username()).isNull();
        SchemaRegistryConfigs config = SchemaRegistryConfigs.of(json("{" + registry + "}")
                .get("SchemaRegistryConfig"), "SchemaRegistryConfig");
        KafkaSchemaRegistry started = config.registry(arn -> "{\"username\": \"key\", \"password\": "
                + "\"secret\"}", NO_GLUE);
        assertThat(started.username()).isEqualTo("key");
        assertThat(started.password()).isEqualTo("secret");

        // An AWS Glue registry: validation makes no AWS client; a start reads it with a client of its region.
        MappingSpec glue = msk("\"EventSourceArn\": \"" + MSK + "\", \"AmazonManagedKafkaEventSourceConfig\": "
                + "{\"SchemaRegistryConfig\": {"
                + "\"SchemaRegistryURI\": \"arn:aws:glue:eu-west-1:123456789012:registry/r\","
                + " \"EventRecordFormat\": \"JSON\", \"SchemaValidationConfigs\": [{\"Attribute\": \"KEY\"}]}}");
        factories.forMapping(glue).validate(glue);
        List<Region> regions = new ArrayList<>();
        try (GlueClient client = GlueClient.builder().region(Region.EU_WEST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
            KafkaSchemaRegistry inGlue = SchemaRegistryConfigs.of(glue.node("AmazonManagedKafkaEventSourceConfig")
                    .get("SchemaRegistryConfig"), "SchemaRegistryConfig").registry(arn -> "", region -> {
                        regions.add(region);
                        return client;
                    });
            assertThat(inGlue.glueRegistryArn()).isEqualTo("arn:aws:glue:eu-west-1:123456789012:registry/r");
            assertThat(inGlue.glueClient()).isSameAs(client);
            assertThat(regions).containsExactly(Region.EU_WEST_1);
        }
        assertThatThrownBy(() -> factories.forMapping(msk("\"EventSourceArn\": \"" + MSK + "\", "
                + "\"AmazonManagedKafkaEventSourceConfig\": {\"SchemaRegistryConfig\": {\"SchemaRegistryURI\": "
                + "\"arn:aws:glue:us-east-1:123456789012:registry/r\", \"EventRecordFormat\": \"JSON\", "
                + "\"SchemaValidationConfigs\": [{\"Attribute\": \"KEY\"}], \"AccessConfigs\": [{\"Type\": "
                + "\"BASIC_AUTH\", \"URI\": \"" + SECRET + "b\"}]}}")))
                .hasMessageStartingWith("Invalid value for AmazonManagedKafkaEventSourceConfig.SchemaRegistryConfig"
                        + ".AccessConfigs: ").hasMessageContaining("Expected none for an AWS Glue registry");
        assertThatThrownBy(() -> factories.forMapping(msk("\"EventSourceArn\": \"" + MSK + "\", "
                + "\"AmazonManagedKafkaEventSourceConfig\": {\"SchemaRegistryConfig\": {\"SchemaRegistryURI\": "
                + "\"arn:aws:glue:us-east-1:123456789012:schema/r/s\", \"EventRecordFormat\": \"JSON\", "
                + "\"SchemaValidationConfigs\": [{\"Attribute\": \"KEY\"}]}}")))
                .hasMessageContaining(".SchemaRegistryURI: arn:aws:glue:us-east-1:123456789012:schema/r/s. Expected an "
                        + "AWS Glue registry's ARN");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"SelfManagedKafkaEventSourceConfig\": {\"SchemaRegistryConfig\": {\"SchemaRegistryURI\": "
                + "\"https://r.example\", \"SchemaValidationConfigs\": [{\"Attribute\": \"KEY\"}]}}")))
                .hasMessage("Invalid value for SelfManagedKafkaEventSourceConfig.SchemaRegistryConfig"
                        + ".EventRecordFormat: null. Expected JSON or SOURCE.");
        assertThatThrownBy(() -> factories.forMapping(spec(registryWith("http://r.example",
                "{\"Type\": \"SERVER_ROOT_CA_CERTIFICATE\", \"URI\": \"" + SECRET + "ca\"}"))))
                .hasMessage("Invalid value for SelfManagedKafkaEventSourceConfig.SchemaRegistryConfig"
                        + ".AccessConfigs[0].Type: SERVER_ROOT_CA_CERTIFICATE. Expected an https SchemaRegistryURI for "
                        + "a certificate; it is http://r.example.");
        assertThatThrownBy(() -> factories.forMapping(spec(registryWith("https://r.example",
                "{\"Type\": \"BASIC_AUTH\", \"URI\": \"" + SECRET + "a\"}, "
                        + "{\"Type\": \"BASIC_AUTH\", \"URI\": \"" + SECRET + "b\"}"))))
                .hasMessageEndingWith("AccessConfigs[1].Type: BASIC_AUTH. Expected each type once; BASIC_AUTH is "
                        + "given twice.");
        assertThatThrownBy(() -> factories.forMapping(spec(registryWith("https://r.example",
                "{\"Type\": \"OAUTHBEARER_AUTH\", \"URI\": \"" + SECRET + "o\"}"))))
                .hasMessageEndingWith("AccessConfigs[0].Type: OAUTHBEARER_AUTH. Expected one of BASIC_AUTH, "
                        + "CLIENT_CERTIFICATE_TLS_AUTH, SERVER_ROOT_CA_CERTIFICATE.");
        assertThatThrownBy(() -> factories.forMapping(spec("\"StartingPosition\": \"LATEST\", "
                + "\"SelfManagedKafkaEventSourceConfig\": {\"SchemaRegistry\": {}}")))
                .hasMessageContaining("allowed: ConsumerGroupId, SchemaRegistryConfig");
    }

    @Test
    void aRegistrysClientCertificateAndRootCaComeFromTheirSecrets(@TempDir Path directory) throws Exception {
        Identity server = TestCertificates.selfSigned(directory, "registry", "127.0.0.1", true);
        Identity client = TestCertificates.selfSigned(directory, "client", "worker", false);
        String encrypted = client.encryptedPrivateKeyPem("pw");
        Map<String, String> secrets = Map.of(
                SECRET + "client", JSON.writeValueAsString(Map.of("certificate", client.certificatePem(),
                        "privateKey", encrypted, "privateKeyPassword", "pw")),
                SECRET + "ca", JSON.writeValueAsString(Map.of("certificate", server.certificatePem())),
                SECRET + "wrong-password", JSON.writeValueAsString(Map.of("certificate", client.certificatePem(),
                        "privateKey", encrypted, "privateKeyPassword", "not-it")),
                SECRET + "no-key", JSON.writeValueAsString(Map.of("certificate", client.certificatePem())));
        String tls = "{\"Type\": \"CLIENT_CERTIFICATE_TLS_AUTH\", \"URI\": \"" + SECRET + "%s\"}, "
                + "{\"Type\": \"SERVER_ROOT_CA_CERTIFICATE\", \"URI\": \"" + SECRET + "ca\"}";
        MappingSpec spec = spec(registryWith("https://127.0.0.1:8081", tls.formatted("client")));
        factories.forMapping(spec).validate(spec);

        assertThat(KafkaSourceFactory.source(spec).schemaRegistry().sslContext()).isNull();
        assertThat(registryConfigs(tls.formatted("client")).registry(secrets::get, NO_GLUE).sslContext()).isNotNull();
        // A secret that is not what its type needs, or a key that does not decrypt: the start fails naming the
        // field and the secret, never quoting the key.
        assertThatThrownBy(() -> registryConfigs(tls.formatted("wrong-password")).registry(secrets::get, NO_GLUE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("SchemaRegistryConfig: Invalid private key for the schema registry's "
                        + "client certificate:")
                .hasMessageEndingWith("(from the secrets of SchemaRegistryConfig.AccessConfigs)")
                .hasMessageNotContaining(encrypted.substring(40, 80));
        assertThatThrownBy(() -> registryConfigs(tls.formatted("no-key")).registry(secrets::get, NO_GLUE))
                .hasMessage("the CLIENT_CERTIFICATE_TLS_AUTH secret " + SECRET + "no-key is not a JSON object with "
                        + "the string fields certificate, privateKey, as Lambda expects");
    }

    /** A self-managed mapping with a schema registry at {@code uri} and these AccessConfigs entries. */
    private static String registryWith(String uri, String accessConfigs) {
        return "\"StartingPosition\": \"LATEST\", \"SelfManagedKafkaEventSourceConfig\": {\"SchemaRegistryConfig\": "
                + "{\"SchemaRegistryURI\": \"" + uri + "\", \"EventRecordFormat\": \"SOURCE\", "
                + "\"SchemaValidationConfigs\": [{\"Attribute\": \"KEY\"}], \"AccessConfigs\": [" + accessConfigs
                + "]}}";
    }

    private static SchemaRegistryConfigs registryConfigs(String accessConfigs) {
        return SchemaRegistryConfigs.of(json("{" + registryWith("https://127.0.0.1:8081", accessConfigs) + "}")
                .get("SelfManagedKafkaEventSourceConfig").get("SchemaRegistryConfig"), "SchemaRegistryConfig");
    }

    private static MappingSpec msk(String fields) {
        return MappingSpec.of(json("{\"FunctionName\": \"f\", \"StartingPosition\": \"LATEST\", "
                + "\"Topics\": [\"a\"], " + fields + "}"), "");
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static MappingSpec spec(String fields) {
        return WorkerFile.parse("{\"EventSourceMappings\": [{\"FunctionName\": \"f\", " + SOURCE
                + (fields.isEmpty() ? "" : ", " + fields) + "}]}", false).mappings().getFirst();
    }
}

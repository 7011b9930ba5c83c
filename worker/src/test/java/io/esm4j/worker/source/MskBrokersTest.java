package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** An MSK cluster's brokers from GetBootstrapBrokers (a test endpoint on loopback), and Lambda's choice among them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MskBrokersTest {

    private static final String CLUSTER = "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0b1c-2d3e-4";
    private static final String CONNECTION = "arn:aws:kafka:eu-west-1:210987654321:vpc-connection/123456789012/orders/"
            + "5f6a-7b8c-9";
    private static final MskBrokers ALL = new MskBrokers(MskBrokers.PRIVATE, "b-1:9092,b-2:9092",
            "b-1:9094,b-2:9094", "b-1:9096,b-2:9096", "b-1:9098,b-2:9098");

    private HttpServer msk;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws IOException {
        msk = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        msk.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getRawPath();
                requests.add(exchange.getRequestMethod() + " " + path + " "
                        + exchange.getRequestHeaders().getFirst("Authorization"));
                if (path.equals("/v1/vpc-connection/" + URLEncoder.encode(CONNECTION, StandardCharsets.UTF_8))) {
                    byte[] body = ("{\"VpcConnectionArn\": \"" + CONNECTION + "\", \"TargetClusterArn\": \""
                            + CLUSTER + "\", \"Authentication\": \"SASL_IAM\", \"State\": \"AVAILABLE\"}")
                            .getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                    return;
                }
                boolean known = path.equals("/v1/clusters/arn%3Aaws%3Akafka%3Aeu-west-1%3A123456789012%3Acluster"
                        + "%2Forders%2F0b1c-2d3e-4/bootstrap-brokers");
                byte[] body = (known ? "{\"BootstrapBrokerString\": \"b-1:9092\", \"BootstrapBrokerStringTls\": "
                        + "\"b-1:9094\", \"BootstrapBrokerStringSaslIam\": \"b-1:9098\", "
                        + "\"BootstrapBrokerStringPublicSaslIam\": \"b-1-public:9198\", "
                        + "\"BootstrapBrokerStringVpcConnectivitySaslIam\": \"b-1-vpc:14001\"}"
                        : "{\"message\": \"The specified cluster was not found.\"}").getBytes(StandardCharsets.UTF_8);
                if (!known) {
                    exchange.getResponseHeaders().set("x-amzn-ErrorType", "NotFoundException:http://internal/");
                }
                exchange.sendResponseHeaders(known ? 200 : 404, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        msk.start();
    }

    @AfterAll
    void stop() {
        msk.stop(0);
    }

    @Test
    void getBootstrapBrokersIsASignedGetOfTheClustersEncodedArn() throws Exception {
        URI endpoint = URI.create("http://127.0.0.1:" + msk.getAddress().getPort() + "/");
        try (AwsJsonApi api = new AwsJsonApi(StaticCredentialsProvider.create(AwsBasicCredentials.create("x",
                "y")))) {
            assertThat(MskBrokers.fetch(api, endpoint, CLUSTER, MskBrokers.PRIVATE))
                    .isEqualTo(new MskBrokers(MskBrokers.PRIVATE, "b-1:9092", "b-1:9094", null, "b-1:9098"));
            assertThat(requests).singleElement().asString().startsWith("GET /v1/clusters/arn%3Aaws%3Akafka")
                    .contains("AWS4-HMAC-SHA256 Credential=x/").contains("/eu-west-1/kafka/aws4_request");
            assertThat(MskBrokers.fetch(api, endpoint, CLUSTER, MskBrokers.PUBLIC))
                    .isEqualTo(new MskBrokers(MskBrokers.PUBLIC, null, null, null, "b-1-public:9198"));

            // A multi-VPC connection leads to the other account's cluster, whose connectivity brokers are taken.
            assertThat(MskBrokers.targetCluster(api, endpoint, CONNECTION)).isEqualTo(CLUSTER);
            assertThat(MskBrokers.fetch(api, endpoint, CLUSTER, MskBrokers.VPC_CONNECTIVITY))
                    .isEqualTo(new MskBrokers(MskBrokers.VPC_CONNECTIVITY, null, null, null, "b-1-vpc:14001"));
            assertThatThrownBy(() -> MskBrokers.targetCluster(api, endpoint, CONNECTION.replace("orders", "gone")))
                    .hasMessageStartingWith("cannot find the cluster of MSK VPC connection "
                            + CONNECTION.replace("orders", "gone") + ": kafka at ");

            String other = CLUSTER.replace("orders", "payments");
            assertThatThrownBy(() -> MskBrokers.fetch(api, endpoint, other, MskBrokers.PRIVATE))
                    .hasMessage("cannot find the brokers of MSK cluster " + other + ": kafka at " + endpoint
                            .resolve("/v1/clusters/" + URLEncoder.encode(other, StandardCharsets.UTF_8)
                                    + "/bootstrap-brokers") + " answered status 404 NotFoundException");
        }
    }

    @Test
    void lambdasOrderASecretsMethodThenIamThenTlsThenPlaintext() {
        assertThat(ALL.choose(KafkaSourceAccess.CLIENT_CERTIFICATE_TLS_AUTH, CLUSTER))
                .isEqualTo(new MskBrokers.Choice("mutual TLS", "b-1:9094,b-2:9094", Map.of()));
        assertThat(ALL.choose(KafkaSourceAccess.SASL_SCRAM_512_AUTH, CLUSTER))
                .isEqualTo(new MskBrokers.Choice("SASL/SCRAM", "b-1:9096,b-2:9096", Map.of()));
        assertThat(ALL.choose(null, CLUSTER))
                .isEqualTo(new MskBrokers.Choice("IAM", "b-1:9098,b-2:9098", MskBrokers.IAM_PROPERTIES));
        assertThat(new MskBrokers(MskBrokers.PRIVATE, "b-1:9092", "b-1:9094", "b-1:9096", null).choose(null, CLUSTER))
                .isEqualTo(new MskBrokers.Choice("TLS", "b-1:9094", Map.of("security.protocol", "SSL")));
        assertThat(new MskBrokers(MskBrokers.PRIVATE, "b-1:9092", null, null, null).choose(null, CLUSTER))
                .isEqualTo(new MskBrokers.Choice("plaintext", "b-1:9092", Map.of()));
    }

    @Test
    void aWayInTheClusterDoesNotOfferIsAnErrorNotAWeakerOne() {
        MskBrokers iamOnly = new MskBrokers(MskBrokers.PRIVATE, null, null, null, "b-1:9098");
        assertThatThrownBy(() -> iamOnly.choose(KafkaSourceAccess.SASL_SCRAM_512_AUTH, CLUSTER))
                .hasMessage("cannot connect to MSK cluster " + CLUSTER + " with SASL_SCRAM_512_AUTH: "
                        + "GetBootstrapBrokers gave no BootstrapBrokerStringSaslScram, so the cluster does not have "
                        + "that way in on; as in Lambda, no weaker one is tried");
        assertThatThrownBy(() -> iamOnly.choose(KafkaSourceAccess.CLIENT_CERTIFICATE_TLS_AUTH, CLUSTER))
                .hasMessageContaining("no BootstrapBrokerStringTls");
        assertThatThrownBy(() -> new MskBrokers(MskBrokers.PRIVATE, null, null, null, null).choose(null, CLUSTER))
                .hasMessageContaining("GetBootstrapBrokers gave no brokers");
        MskBrokers publicIam = new MskBrokers(MskBrokers.PUBLIC, null, null, null, "b-1-public:9198");
        assertThatThrownBy(() -> publicIam.choose(KafkaSourceAccess.SASL_SCRAM_512_AUTH, CLUSTER))
                .hasMessageContaining("no BootstrapBrokerStringPublicSaslScram");
        assertThatThrownBy(() -> new MskBrokers(MskBrokers.PUBLIC, null, null, null, null).choose(null, CLUSTER))
                .hasMessageContaining("no public brokers (is public access turned on?)");
        assertThatThrownBy(() -> new MskBrokers(MskBrokers.VPC_CONNECTIVITY, null, null, null, null)
                .choose(null, CLUSTER))
                .hasMessageContaining("no multi-VPC brokers (is multi-VPC connectivity turned on?)");
    }

    @Test
    void iamPropertiesLoadTheMskLoginModule() {
        // Kafka's client logs in (loads the JAAS module and the callback handler by name) when it is made, before
        // any connection: a consumer made with the properties shows the module is on the class path and configured.
        Map<String, Object> properties = new HashMap<>(MskBrokers.IAM_PROPERTIES);
        properties.put("bootstrap.servers", "127.0.0.1:9");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            assertThat(consumer.assignment()).isEmpty();
        }
        properties.put("sasl.jaas.config", "software.amazon.msk.auth.iam.NoSuchLoginModule required;");
        assertThatThrownBy(() -> new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer()).close()).hasStackTraceContaining("NoSuchLoginModule");
    }
}

package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.testsupport.TestCertificates;
import io.esm4j.testsupport.TestCertificates.Identity;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lambda's SourceAccessConfigurations of a self-managed Kafka mapping, as Kafka consumer properties. */
class KafkaSourceAccessTest {

    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SourceFactories factories = SourceFactories.discover();
    private final Map<String, String> secrets = new HashMap<>();
    private final List<String> read = new java.util.ArrayList<>();

    private String secret(String arn) {
        read.add(arn);
        String value = secrets.get(arn);
        if (value == null) {
            throw new IllegalStateException("no such secret " + arn);
        }
        return value;
    }

    @Test
    void scramWithAPrivateRootCaIsSaslSslWithAPemTrustStore() throws Exception {
        secrets.put(ARN + "scram", "{\"username\": \"bob\", \"password\": \"p\\\"w\\\\d\"}");
        secrets.put(ARN + "ca",
                "{\"certificate\": \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\"}");
        MappingSpec spec = spec("""
                [{"Type": "SASL_SCRAM_512_AUTH", "URI": "%1$sscram"},
                 {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": "%1$sca"},
                 {"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123"},
                 {"Type": "VPC_SECURITY_GROUP", "URI": "security_group:sg-0123"}]""".formatted(ARN));
        factories.forMapping(spec);

        Map<String, String> properties = KafkaSourceAccess.of(spec, false).consumerProperties(this::secret);

        assertThat(properties).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"bob\" password=\"p\\\"w\\\\d\";",
                "ssl.truststore.type", "PEM",
                "ssl.truststore.certificates", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"));
        assertThat(read).containsExactly(ARN + "scram", ARN + "ca");
        KafkaSource source = KafkaSourceFactory.source(spec, "b-1.example:9092", properties, null, null);
        assertThat(source.consumerProperties()).isEqualTo(properties);
    }

    @Test
    void eachSaslTypeIsItsMechanismOverTls() throws Exception {
        secrets.put(ARN + "user", "{\"username\": \"alice\", \"password\": \"secret\"}");
        Map<String, String> mechanisms = Map.of("BASIC_AUTH", "PLAIN", "SASL_SCRAM_256_AUTH", "SCRAM-SHA-256",
                "SASL_SCRAM_512_AUTH", "SCRAM-SHA-512");
        for (var type : mechanisms.entrySet()) {
            Map<String, String> properties = KafkaSourceAccess.of(spec("[{\"Type\": \"" + type.getKey()
                    + "\", \"URI\": \"" + ARN + "user\"}]"), false).consumerProperties(this::secret);
            assertThat(properties).containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", type.getValue()).hasSize(3);
            assertThat(properties.get("sasl.jaas.config")).startsWith(type.getValue().equals("PLAIN")
                    ? "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    : "org.apache.kafka.common.security.scram.ScramLoginModule required ")
                    .endsWith("username=\"alice\" password=\"secret\";");
        }
    }

    /** Kafka's JAAS parser ends a quoted value at a line break and then quotes the rest in its error. */
    @Test
    void credentialsWithLineBreaksReachTheLoginModuleUnchanged() throws Exception {
        String username = "al\"ice\\";
        String password = "first\nsecond-PART\r\nthird";
        secrets.put(ARN + "user", JSON.writeValueAsString(Map.of("username", username, "password", password)));
        for (String type : List.of("BASIC_AUTH", "SASL_SCRAM_256_AUTH", "SASL_SCRAM_512_AUTH")) {
            Map<String, String> properties = KafkaSourceAccess.of(spec("[{\"Type\": \"" + type + "\", \"URI\": \""
                    + ARN + "user\"}]"), false).consumerProperties(this::secret);

            assertThat(properties.get("sasl.jaas.config")).doesNotContain("\n", "\r");
            JaasContext jaas = JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG,
                    new Password(properties.get("sasl.jaas.config"))));
            Map<String, Object> options = new HashMap<>(jaas.configurationEntries().getFirst().getOptions());
            assertThat(options).containsExactlyInAnyOrderEntriesOf(Map.of("username", username,
                    "password", password));
        }
    }

    @Test
    void aClientCertificateIsMutualTlsWithAPemKeyStore() throws Exception {
        String encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----";
        secrets.put(ARN + "client", JSON.writeValueAsString(Map.of("certificate", "CHAIN", "privateKey", encrypted,
                "privateKeyPassword", "kp")));
        secrets.put(ARN + "client-plain-key", "{\"certificate\": \"CHAIN\", \"privateKey\": \"KEY\"}");

        assertThat(KafkaSourceAccess.of(spec("[{\"Type\": \"CLIENT_CERTIFICATE_TLS_AUTH\", \"URI\": \"" + ARN
                + "client\"}]"), false).consumerProperties(this::secret)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SSL", "ssl.keystore.type", "PEM", "ssl.keystore.certificate.chain", "CHAIN",
                "ssl.keystore.key", encrypted, "ssl.key.password", "kp"));
        assertThat(KafkaSourceAccess.of(spec("[{\"Type\": \"CLIENT_CERTIFICATE_TLS_AUTH\", \"URI\": \"" + ARN
                + "client-plain-key\"}]"), false).consumerProperties(this::secret))
                .doesNotContainKey("ssl.key.password");
    }

    /**
     * Lambda asks for privateKeyPassword with an encrypted key only; Kafka, given one with a plain key, tries to
     * decrypt it and refuses the key store. Each secret's properties here load into Kafka's own SSL engine factory.
     */
    @Test
    void aPrivateKeyPasswordIsTheEncryptedKeysOnly(@TempDir Path directory) throws Exception {
        Identity client = TestCertificates.selfSigned(directory, "client", "client", false);
        String encrypted = client.encryptedPrivateKeyPem("key-password");
        secrets.put(ARN + "plain-empty", JSON.writeValueAsString(Map.of("certificate", client.certificatePem(),
                "privateKey", client.privateKeyPem(), "privateKeyPassword", "")));
        secrets.put(ARN + "plain-any", JSON.writeValueAsString(Map.of("certificate", client.certificatePem(),
                "privateKey", client.privateKeyPem(), "privateKeyPassword", "key-password")));
        secrets.put(ARN + "encrypted", JSON.writeValueAsString(Map.of("certificate", client.certificatePem(),
                "privateKey", encrypted, "privateKeyPassword", "key-password")));
        secrets.put(ARN + "encrypted-no-password", JSON.writeValueAsString(Map.of("certificate",
                client.certificatePem(), "privateKey", encrypted)));

        for (String name : List.of("plain-empty", "plain-any", "encrypted")) {
            Map<String, String> properties = clientCertificate(name);
            assertThat(properties.containsKey("ssl.key.password")).as(name).isEqualTo(name.equals("encrypted"));
            try (DefaultSslEngineFactory ssl = new DefaultSslEngineFactory()) {
                ssl.configure(new ConfigDef().withClientSslSupport().parse(properties));
                assertThat(ssl.keystore()).as(name).isNotNull();
            }
        }
        assertThatThrownBy(() -> clientCertificate("encrypted-no-password"))
                .hasMessage("the CLIENT_CERTIFICATE_TLS_AUTH secret " + ARN + "encrypted-no-password has an "
                        + "encrypted privateKey (-----BEGIN ENCRYPTED PRIVATE KEY-----) but no string field "
                        + "privateKeyPassword, as Lambda expects");
    }

    private Map<String, String> clientCertificate(String name) throws Exception {
        return KafkaSourceAccess.of(spec("[{\"Type\": \"CLIENT_CERTIFICATE_TLS_AUTH\", \"URI\": \"" + ARN + name
                + "\"}]"), false).consumerProperties(this::secret);
    }

    @Test
    void aRootCaAloneIsTlsWithoutAuthenticationAndVpcSettingsAloneAreNothing() throws Exception {
        secrets.put(ARN + "ca", "{\"certificate\": \"ROOT\"}");
        assertThat(KafkaSourceAccess.of(spec("[{\"Type\": \"SERVER_ROOT_CA_CERTIFICATE\", \"URI\": \"" + ARN
                + "ca\"}]"), false).consumerProperties(this::secret)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SSL", "ssl.truststore.type", "PEM", "ssl.truststore.certificates", "ROOT"));

        KafkaSourceAccess vpcOnly = KafkaSourceAccess.of(spec("[{\"Type\": \"VPC_SUBNET\", \"URI\": "
                + "\"subnet:subnet-1\"}]"), false);
        assertThat(vpcOnly.needsSecrets()).isFalse();
        assertThat(vpcOnly.consumerProperties(this::secret)).isEmpty();
        assertThat(read).containsExactly(ARN + "ca");
    }

    @Test
    void aSecretWithoutLambdasKeysFailsWithoutQuotingIt() {
        secrets.put(ARN + "odd", "{\"user\": \"alice\", \"pass\": \"hunter2\"}");
        secrets.put(ARN + "not-json", "hunter2 is not json");
        assertThatThrownBy(() -> KafkaSourceAccess.of(spec("[{\"Type\": \"BASIC_AUTH\", \"URI\": \"" + ARN
                + "odd\"}]"), false).consumerProperties(this::secret))
                .hasMessage("the BASIC_AUTH secret " + ARN + "odd is not a JSON object with the string fields "
                        + "username, password, as Lambda expects");
        assertThatThrownBy(() -> KafkaSourceAccess.of(spec("[{\"Type\": \"BASIC_AUTH\", \"URI\": \"" + ARN
                + "not-json\"}]"), false).consumerProperties(this::secret))
                .hasMessageNotContaining("hunter2").hasMessageContaining(ARN + "not-json");
    }

    @Test
    void whatLambdaDoesNotTakeForSelfManagedKafkaIsRefused() {
        assertThatThrownBy(() -> factories.forMapping(spec("[{\"Type\": \"VIRTUAL_HOST\", \"URI\": \"/\"}]")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for SourceAccessConfigurations[0].Type: VIRTUAL_HOST. "
                        + "Expected one of BASIC_AUTH, CLIENT_CERTIFICATE_TLS_AUTH, SASL_SCRAM_256_AUTH");
        assertThatThrownBy(() -> factories.forMapping(spec("[{\"Type\": \"BASIC_AUTH\", \"URI\": \"" + ARN
                + "a\"}, {\"Type\": \"CLIENT_CERTIFICATE_TLS_AUTH\", \"URI\": \"" + ARN + "b\"}]")))
                .hasMessage("Invalid value for SourceAccessConfigurations[1].Type: CLIENT_CERTIFICATE_TLS_AUTH. "
                        + "Expected one authentication method; the mapping has BASIC_AUTH already.");
        assertThatThrownBy(() -> factories.forMapping(spec("[{\"Type\": \"BASIC_AUTH\", \"URI\": "
                + "\"my-secret\"}]")))
                .hasMessage("Invalid value for SourceAccessConfigurations[0].URI: my-secret. Expected a Secrets "
                        + "Manager secret ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>.");
        assertThatThrownBy(() -> factories.forMapping(spec("[{\"Type\": \"BASIC_AUTH\"}]")))
                .hasMessageContaining("SourceAccessConfigurations[0]").hasMessageContaining("\"URI\"");
        assertThatThrownBy(() -> factories.forMapping(WorkerFile.parse("""
                {"EventSourceMappings": [{"FunctionName": "f", "BatchSize": 5,
                  "EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:q",
                  "SourceAccessConfigurations": [{"Type": "BASIC_AUTH", "URI": "%sa"}]}]}""".formatted(ARN), false)
                .mappings().getFirst()))
                .hasMessageContaining("SourceAccessConfigurations is not valid for SQS event sources");
    }

    private static MappingSpec spec(String sourceAccessConfigurations) {
        return WorkerFile.parse("""
                {"EventSourceMappings": [{"FunctionName": "f", "StartingPosition": "LATEST", "Topics": ["orders"],
                  "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["b-1.example:9096"]}},
                  "SourceAccessConfigurations": %s}]}""".formatted(sourceAccessConfigurations), false)
                .mappings().getFirst();
    }
}

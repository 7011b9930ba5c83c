package io.esm4j.kafka.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSchemaRegistry.Attribute;
import io.esm4j.kafka.KafkaSchemaRegistry.EventRecordFormat;
import io.esm4j.kafka.internal.schema.SchemaSource.Found;
import io.esm4j.testsupport.TestCertificates;
import io.esm4j.testsupport.TestCertificates.Identity;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry over HTTPS that asks for a client certificate (mutual TLS), reached with the TLS context a
 * {@link KafkaSchemaRegistry} makes from PEM, as Lambda's SERVER_ROOT_CA_CERTIFICATE and CLIENT_CERTIFICATE_TLS_AUTH
 * secrets hold it; and the settings it refuses, with errors that never quote a key.
 */
class RegistryTlsTest {

    @TempDir
    static Path directory;
    private static Identity server;
    private static Identity client;
    private static Identity stranger;
    private static FakeSchemaRegistry registry;

    @BeforeAll
    static void start() throws Exception {
        server = TestCertificates.selfSigned(directory, "registry", "127.0.0.1", true);
        client = TestCertificates.selfSigned(directory, "client", "esm4j-mapping", false);
        stranger = TestCertificates.selfSigned(directory, "stranger", "someone-else", false);
        registry = new FakeSchemaRegistry("/v1", server.httpsServer(true, client.certificatePem()));
        registry.answer(1, FakeSchemaRegistry.schema(null, "{\"type\":\"string\"}"));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void theRegistrysRootCaAndAClientCertificateReachIt() throws Exception {
        KafkaSchemaRegistry plainKey = builder().rootCaCertificate(server.certificatePem())
                .clientCertificate(client.certificatePem(), client.privateKeyPem(), null).build();
        KafkaSchemaRegistry encryptedKey = builder().rootCaCertificate(server.certificatePem())
                .clientCertificate(client.certificatePem(), client.encryptedPrivateKeyPem("k3y-pass"), "k3y-pass")
                .build();
        KafkaSchemaRegistry ownContext = builder().sslContext(client.sslContext(server.certificatePem())).build();

        for (KafkaSchemaRegistry tls : new KafkaSchemaRegistry[] {plainKey, encryptedKey, ownContext}) {
            assertThat(fetch(tls.sslContext())).isEqualTo(new Found(new RegisteredSchema("1", SchemaFormat.AVRO,
                    "{\"type\":\"string\"}")));
        }
        assertThat(plainKey.toString()).contains("tls=own").doesNotContain("PRIVATE KEY");
    }

    @Test
    void withoutTheRootCaOrACertificateTheRegistryTrustsTheCallFails() {
        KafkaSchemaRegistry jvmTrust = builder()
                .clientCertificate(client.certificatePem(), client.privateKeyPem(), null).build();
        KafkaSchemaRegistry noClientCertificate = builder().rootCaCertificate(server.certificatePem()).build();
        KafkaSchemaRegistry untrustedClient = builder().rootCaCertificate(server.certificatePem())
                .clientCertificate(stranger.certificatePem(), stranger.privateKeyPem(), null).build();

        // Failures the mapping retries (and shows in its status), never a schema found or not found.
        assertThatThrownBy(() -> fetch(jvmTrust.sslContext())).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(SSLHandshakeException.class)
                .hasStackTraceContaining("unable to find valid certification path");
        for (KafkaSchemaRegistry refused : new KafkaSchemaRegistry[] {noClientCertificate, untrustedClient}) {
            assertThatThrownBy(() -> fetch(refused.sslContext())).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void tlsSettingsThatCannotWorkAreRefusedWhenBuilt() throws Exception {
        String encrypted = client.encryptedPrivateKeyPem("k3y-pass");
        assertThatThrownBy(() -> KafkaSchemaRegistry.builder(URI.create("http://127.0.0.1:8081"))
                .eventRecordFormat(EventRecordFormat.JSON).validate(Attribute.VALUE)
                .rootCaCertificate(server.certificatePem()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid value for SchemaRegistryURI: http://127.0.0.1:8081 with TLS settings (a root CA, "
                        + "a client certificate or an SSLContext). Expected an https URL.");
        assertThatThrownBy(() -> builder().rootCaCertificate(server.certificatePem())
                .sslContext(SSLContext.getDefault()).build())
                .hasMessageStartingWith("Invalid TLS settings for the schema registry: an SSLContext and PEM");
        assertThatThrownBy(() -> builder().rootCaCertificate("not a certificate").build())
                .hasMessage("Invalid root CA certificate for the schema registry: no PEM block -----BEGIN "
                        + "CERTIFICATE----- in 17 characters. Expected X.509 certificates in PEM.");
        assertThatThrownBy(() -> builder().clientCertificate(client.certificatePem(), encrypted, null).build())
                .hasMessage("Invalid private key for the schema registry's client certificate: it is encrypted and "
                        + "no password was given. Expected the key's password beside it.");
        assertThatThrownBy(() -> builder().clientCertificate(client.certificatePem(), encrypted, "wrong").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid private key for the schema registry's client certificate:")
                .hasMessageNotContaining(encrypted.substring(40, 80));
        String rsaKey = client.privateKeyPem().replace("PRIVATE KEY", "RSA PRIVATE KEY");
        assertThatThrownBy(() -> builder().clientCertificate(client.certificatePem(), rsaKey, null).build())
                .hasMessage("Invalid private key for the schema registry's client certificate: a PEM block RSA "
                        + "PRIVATE KEY. Expected PKCS#8 (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE "
                        + "KEY-----); convert it with openssl pkcs8 -topk8.")
                .hasMessageNotContaining(client.privateKeyPem().substring(40, 80));
        assertThatThrownBy(() -> builder().clientCertificate(client.certificatePem(), "", null).build())
                .hasMessageStartingWith("Invalid private key for the schema registry's client certificate: 0 PEM "
                        + "private key blocks.");
    }

    @Test
    void aKeyEncryptedByOpensslDecrypts() throws Exception {
        // openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | openssl pkcs8 -topk8 -v2 aes-256-cbc:
        // PBES2 with PBKDF2 and HMAC-SHA256, what users' tools make by default. A throwaway test key.
        String opensslKey = new String(RegistryTlsTest.class.getResourceAsStream("openssl-encrypted-ec-key.pem")
                .readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);

        assertThat(PemTls.sslContext(null, new PemTls.ClientCertificate(client.certificatePem(), opensslKey,
                "esm4j-test"))).isNotNull();
    }

    private static KafkaSchemaRegistry.Builder builder() {
        return KafkaSchemaRegistry.builder(registry.uri()).eventRecordFormat(EventRecordFormat.JSON)
                .validate(Attribute.VALUE);
    }

    private static SchemaSource.Lookup fetch(SSLContext tls) {
        try (HttpClient http = HttpClient.newBuilder().sslContext(tls).build()) {
            return new ConfluentRegistryClient(registry.uri(), null, null, http, Duration.ofSeconds(30)).fetch("1")
                    .join();
        }
    }
}

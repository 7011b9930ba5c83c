package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.security.spec.InvalidKeySpecException;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Which Kafka client failure is which of Lambda's authentication and authorization messages. */
class KafkaAuthResultsTest {

    @Test
    void refusedCredentialsAndMissingAclsAreLambdasMessages() {
        assertThat(KafkaAuthResults.ofPollFailure(new SaslAuthenticationException("bad password")))
                .contains("PROBLEM: SASL authentication failed.");
        assertThat(KafkaAuthResults.ofPollFailure(new TopicAuthorizationException("orders")))
                .contains("PROBLEM: Cluster failed to authorize Lambda.");
        assertThat(KafkaAuthResults.ofPollFailure(new GroupAuthorizationException("group")))
                .contains(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE);
        assertThat(KafkaAuthResults.ofPollFailure(new ClusterAuthorizationException("cluster")))
                .contains(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE);
        assertThat(KafkaAuthResults.ofPollFailure(new KafkaException("wrapped", new SaslAuthenticationException("x"))))
                .contains(KafkaAuthResults.SASL_AUTHENTICATION_FAILED);
        assertThat(KafkaAuthResults.ofPollFailure(new TimeoutException("no broker"))).isEmpty();
    }

    /** esm4j's text for subscribed topics that do not exist names them; it is no refusal of the credentials. */
    @Test
    void missingTopicsAreNamedAndAreNoRefusal() {
        assertThat(KafkaAuthResults.ofMissingTopics(List.of("orders")))
                .isEqualTo("PROBLEM: Topic orders does not exist.");
        assertThat(KafkaAuthResults.ofMissingTopics(List.of("a", "b")))
                .isEqualTo("PROBLEM: Topics a, b do not exist.");
        assertThat(KafkaAuthResults.isOne(KafkaAuthResults.ofMissingTopics(List.of("orders")))).isFalse();
        assertThatThrownBy(() -> KafkaAuthResults.ofMissingTopics(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
    }

    @Test
    void aCertificateTheClientCouldNotVerifyIsNotAHandshakeTheBrokerRefused() {
        SSLHandshakeException untrusted = new SSLHandshakeException("PKIX path building failed");
        untrusted.initCause(new CertificateException("unable to find valid certification path"));
        assertThat(KafkaAuthResults.ofPollFailure(new SslAuthenticationException("SSL handshake failed", untrusted)))
                .contains("PROBLEM: Lambda failed to authenticate server.");

        SSLHandshakeException refused = new SSLHandshakeException("Received fatal alert: certificate_required");
        assertThat(KafkaAuthResults.ofPollFailure(new SslAuthenticationException("SSL handshake failed", refused)))
                .contains("PROBLEM: Server failed to authenticate Lambda.");
    }

    @Test
    void aSchemaRegistryRefusingItsCredentialsOrClientCertificateIsTheRegistrysMessage() {
        assertThat(KafkaAuthResults.ofSchemaRegistryFailure(401, null))
                .contains("PROBLEM: Schema registry failed to authenticate Lambda.");
        assertThat(KafkaAuthResults.ofSchemaRegistryFailure(403, null))
                .contains("PROBLEM: Schema registry failed to authorize Lambda.");
        assertThat(KafkaAuthResults.ofSchemaRegistryFailure(503, null)).isEmpty();
        assertThat(KafkaAuthResults.ofSchemaRegistryFailure(-1, new java.io.IOException("closed",
                new javax.net.ssl.SSLHandshakeException("Received fatal alert: certificate_required"))))
                .contains(KafkaAuthResults.SCHEMA_REGISTRY_FAILED_TO_AUTHENTICATE);
        assertThat(KafkaAuthResults.ofSchemaRegistryFailure(-1, new javax.net.ssl.SSLHandshakeException(
                "PKIX path building failed"))).isEmpty();
        assertThat(KafkaAuthResults.ofSchemaRegistryFailure(-1, new java.net.ConnectException("refused"))).isEmpty();
        assertThat(KafkaAuthResults.isOne(KafkaAuthResults.SCHEMA_REGISTRY_FAILED_TO_AUTHORIZE)).isTrue();
    }

    @Test
    void keyOrCertificateMaterialThatDoesNotLoadIsInvalidButAMissingFileIsNot() {
        assertThat(KafkaAuthResults.ofCreationFailure(new KafkaException("Failed to construct kafka consumer",
                new InvalidConfigurationException("Invalid PEM keystore configs", new InvalidKeySpecException()))))
                .contains("PROBLEM: Provided certificate or private key is invalid.");
        assertThat(KafkaAuthResults.ofCreationFailure(new KafkaException("Failed to construct kafka consumer",
                new KafkaException("Failed to load SSL keystore", new java.nio.file.NoSuchFileException("x")))))
                .isEmpty();
        assertThat(KafkaAuthResults.isOne(KafkaAuthResults.INVALID_CERTIFICATE_OR_KEY)).isTrue();
        assertThat(KafkaAuthResults.isOne("OK")).isFalse();
    }
}

package io.esm4j.kafka;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * The one place of Lambda's Kafka authentication and authorization messages, which a Kafka mapping shows as its
 * LastProcessingResult while the cluster refuses it (Lambda's "Troubleshooting Kafka event source mapping errors"),
 * and of which Kafka client exception means which. Lambda shows them as {@code PROBLEM: <message>.}, as its other
 * LastProcessingResult problems; the texts never carry the exception's message, so never a credential.
 */
public final class KafkaAuthResults {

    /** Missing ACLs: DescribeConfigs on the cluster, Describe/Read on the group or on the topic. */
    public static final String CLUSTER_FAILED_TO_AUTHORIZE = "PROBLEM: Cluster failed to authorize Lambda.";
    /** SASL/SCRAM or SASL/PLAIN credentials the broker does not accept. */
    public static final String SASL_AUTHENTICATION_FAILED = "PROBLEM: SASL authentication failed.";
    /** The broker refused the TLS handshake: no client certificate, or one it does not trust. */
    public static final String SERVER_FAILED_TO_AUTHENTICATE_LAMBDA = "PROBLEM: Server failed to authenticate Lambda.";
    /** The client did not trust the broker's certificate: unknown CA, another root CA, or no matching SAN. */
    public static final String LAMBDA_FAILED_TO_AUTHENTICATE_SERVER = "PROBLEM: Lambda failed to authenticate server.";
    /** The client certificate, its private key or the root CA given cannot be loaded. */
    public static final String INVALID_CERTIFICATE_OR_KEY = "PROBLEM: Provided certificate or private key is invalid.";

    private static final Set<String> ALL = Set.of(CLUSTER_FAILED_TO_AUTHORIZE, SASL_AUTHENTICATION_FAILED,
            SERVER_FAILED_TO_AUTHENTICATE_LAMBDA, LAMBDA_FAILED_TO_AUTHENTICATE_SERVER, INVALID_CERTIFICATE_OR_KEY);

    private KafkaAuthResults() {
    }

    /** Whether {@code result} is one of these messages (which polling that works again takes back). */
    public static boolean isOne(String result) {
        return ALL.contains(result);
    }

    /** The message for a failed poll, if the cluster refused the client. */
    public static Optional<String> ofPollFailure(Throwable failure) {
        for (Throwable e : causes(failure).toList()) {
            if (e instanceof SaslAuthenticationException) {
                return Optional.of(SASL_AUTHENTICATION_FAILED);
            }
            if (e instanceof AuthorizationException) {
                return Optional.of(CLUSTER_FAILED_TO_AUTHORIZE);
            }
            if (e instanceof SslAuthenticationException) {
                // The client's own check of the broker's certificate fails with a certificate exception among the
                // causes; a handshake the broker ends (an alert: bad_certificate, certificate_required, unknown_ca)
                // has none.
                return Optional.of(hasCause(e, CertificateException.class, CertPathValidatorException.class,
                        CertPathBuilderException.class, SSLPeerUnverifiedException.class)
                        ? LAMBDA_FAILED_TO_AUTHENTICATE_SERVER : SERVER_FAILED_TO_AUTHENTICATE_LAMBDA);
            }
        }
        return Optional.empty();
    }

    /**
     * The message for a consumer that could not be created, if its key or certificate material is what failed: a
     * security exception (a key or certificate that does not parse) or the SSL engine factory's invalid-configuration
     * error (a PEM with no entry of the kind expected) among the causes. A trust store file that does not exist is
     * not material that is invalid.
     */
    public static Optional<String> ofCreationFailure(Throwable failure) {
        return hasCause(failure, GeneralSecurityException.class, InvalidConfigurationException.class)
                ? Optional.of(INVALID_CERTIFICATE_OR_KEY) : Optional.empty();
    }

    @SafeVarargs
    private static boolean hasCause(Throwable failure, Class<? extends Throwable>... types) {
        return causes(failure).anyMatch(e -> Arrays.stream(types).anyMatch(type -> type.isInstance(e)));
    }

    /** {@code failure} and its causes, outermost first. */
    private static Stream<Throwable> causes(Throwable failure) {
        return Stream.iterate(failure, Objects::nonNull, e -> e.getCause() == e ? null : e.getCause());
    }
}

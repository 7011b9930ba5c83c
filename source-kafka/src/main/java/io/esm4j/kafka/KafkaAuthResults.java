package io.esm4j.kafka;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.jspecify.annotations.Nullable;

/**
 * The one place of Lambda's Kafka authentication and authorization messages, which a Kafka mapping shows as its
 * LastProcessingResult while the cluster refuses it (Lambda's "Troubleshooting Kafka event source mapping errors"),
 * and of which Kafka client exception means which; also of esm4j's own texts in that style, where Lambda documents
 * none (a schema registry's refusal, an on-failure topic's, a subscribed topic that does not exist). Lambda shows them as {@code PROBLEM: <message>.}, as its other
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
    /**
     * esm4j's, in the style of the others (Lambda documents no message for it): the schema registry refused the
     * mapping's credentials, HTTP 401 to its basic authentication, or a TLS alert against its client certificate.
     */
    public static final String SCHEMA_REGISTRY_FAILED_TO_AUTHENTICATE =
            "PROBLEM: Schema registry failed to authenticate Lambda.";
    /** esm4j's, as above: the schema registry answered HTTP 403, the credentials lack a permission. */
    public static final String SCHEMA_REGISTRY_FAILED_TO_AUTHORIZE =
            "PROBLEM: Schema registry failed to authorize Lambda.";

    private static final Set<String> ALL = Set.of(CLUSTER_FAILED_TO_AUTHORIZE, SASL_AUTHENTICATION_FAILED,
            SERVER_FAILED_TO_AUTHENTICATE_LAMBDA, LAMBDA_FAILED_TO_AUTHENTICATE_SERVER, INVALID_CERTIFICATE_OR_KEY,
            SCHEMA_REGISTRY_FAILED_TO_AUTHENTICATE, SCHEMA_REGISTRY_FAILED_TO_AUTHORIZE);
    private static final String FATAL_ALERT = "Received fatal alert: ";
    /** TLS alerts a server sends when it refuses the client's certificate (or the lack of one). */
    private static final Set<String> CLIENT_CERTIFICATE_ALERTS = Set.of("bad_certificate", "certificate_required",
            "unknown_ca", "certificate_unknown", "access_denied", "certificate_revoked", "certificate_expired",
            "unsupported_certificate");

    private KafkaAuthResults() {
    }

    /** Whether {@code result} is one of these messages (which polling that works again takes back). */
    public static boolean isOne(String result) {
        return ALL.contains(result);
    }

    /**
     * esm4j's, in the style of the others (Lambda documents no message for a destination): what a mapping shows while
     * the cluster refuses its writes to an on-failure Kafka topic (no Write, or no idempotent write, on it); a refused
     * authentication shows as for a poll.
     */
    static Optional<String> ofFailureTopicRefusal(String topic, Throwable failure) {
        for (Throwable e : causes(failure).toList()) {
            if (e instanceof AuthorizationException) {
                return Optional.of("PROBLEM: Cluster failed to authorize Lambda to write to on-failure destination "
                        + "kafka://" + topic + ".");
            }
        }
        return ofPollFailure(failure);
    }

    /**
     * esm4j's, in the style of the others (Lambda documents no message for it): what a mapping shows, as its
     * LastProcessingResult and its StateTransitionReason, while subscribed topics do not exist (a typo, a topic not
     * created yet with auto-creation off, one deleted while the mapping runs). A Kafka consumer's polls do not fail
     * for such a topic; the mapping probes it. Not one of the refusals {@link #isOne} knows: no credential is at fault.
     *
     * @param topics the missing topics, in the order to name them (at least one)
     */
    public static String ofMissingTopics(Collection<String> topics) {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("missing topics: expected at least one, got none");
        }
        return topics.size() == 1 ? "PROBLEM: Topic " + topics.iterator().next() + " does not exist."
                : "PROBLEM: Topics " + String.join(", ", topics) + " do not exist.";
    }

    /**
     * The message for a failed poll, offset commit or offset lookup (committed, offsetsForTimes, beginningOffsets,
     * partitionsFor), if the cluster refused the client: the same whichever call was refused.
     */
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
     * The message for a schema registry call that failed, if the registry refused the mapping's credentials: HTTP 401
     * or 403 ({@code httpStatus}, -1 if the call got no answer), or a TLS alert refusing the client certificate among
     * the causes of {@code failure}.
     */
    public static Optional<String> ofSchemaRegistryFailure(int httpStatus, @Nullable Throwable failure) {
        if (httpStatus == 401) {
            return Optional.of(SCHEMA_REGISTRY_FAILED_TO_AUTHENTICATE);
        }
        if (httpStatus == 403) {
            return Optional.of(SCHEMA_REGISTRY_FAILED_TO_AUTHORIZE);
        }
        boolean refusedCertificate = failure != null && causes(failure)
                .anyMatch(e -> e instanceof SSLException && CLIENT_CERTIFICATE_ALERTS.contains(alert(e)));
        return refusedCertificate ? Optional.of(SCHEMA_REGISTRY_FAILED_TO_AUTHENTICATE) : Optional.empty();
    }

    /** The alert a TLS peer ended the handshake with, as the JDK words it ("Received fatal alert: x"), or "". */
    private static String alert(Throwable e) {
        String message = e.getMessage();
        if (message == null) {
            return "";
        }
        int at = message.indexOf(FATAL_ALERT);
        return at < 0 ? "" : message.substring(at + FATAL_ALERT.length()).trim();
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

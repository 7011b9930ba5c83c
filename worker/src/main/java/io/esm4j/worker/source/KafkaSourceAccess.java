package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.SOURCE_ACCESS_CONFIGURATIONS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Lambda's {@code SourceAccessConfigurations} of a Kafka mapping, as Kafka consumer properties. The
 * credentials live in Secrets Manager, as in Lambda: {@code BASIC_AUTH} (SASL/PLAIN), {@code SASL_SCRAM_256_AUTH} and
 * {@code SASL_SCRAM_512_AUTH} take a secret {@code {"username", "password"}} and, as in Lambda, connect with TLS
 * ({@code SASL_SSL}); {@code CLIENT_CERTIFICATE_TLS_AUTH} takes {@code {"certificate", "privateKey",
 * "privateKeyPassword"}} (PEM; the password only for an encrypted key) for mutual TLS; {@code
 * SERVER_ROOT_CA_CERTIFICATE} takes {@code {"certificate"}}, the PEM root that signed the brokers' certificates (else
 * the JVM's trusted roots apply). {@code VPC_SUBNET} and {@code VPC_SECURITY_GROUP} tell Lambda where to reach the
 * brokers; the worker reaches them from its own network, so they are kept and ignored. An Amazon MSK mapping takes
 * only {@code SASL_SCRAM_512_AUTH} and {@code CLIENT_CERTIFICATE_TLS_AUTH}, as in Lambda ({@link MskBrokers} picks the
 * brokers and, without either, IAM or no authentication).
 *
 * @param entries the configurations as given, in order
 */
record KafkaSourceAccess(List<Entry> entries) {

    /** One {@code {"Type": ..., "URI": ...}}. */
    record Entry(String type, String uri) {}

    static final String BASIC_AUTH = "BASIC_AUTH";
    static final String SASL_SCRAM_256_AUTH = "SASL_SCRAM_256_AUTH";
    static final String SASL_SCRAM_512_AUTH = "SASL_SCRAM_512_AUTH";
    static final String CLIENT_CERTIFICATE_TLS_AUTH = "CLIENT_CERTIFICATE_TLS_AUTH";
    static final String SERVER_ROOT_CA_CERTIFICATE = "SERVER_ROOT_CA_CERTIFICATE";
    static final String VPC_SUBNET = "VPC_SUBNET";
    static final String VPC_SECURITY_GROUP = "VPC_SECURITY_GROUP";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> SASL_MECHANISMS = Map.of(BASIC_AUTH, "PLAIN",
            SASL_SCRAM_256_AUTH, "SCRAM-SHA-256", SASL_SCRAM_512_AUTH, "SCRAM-SHA-512");
    private static final Set<String> AUTHENTICATION = Set.of(BASIC_AUTH, SASL_SCRAM_256_AUTH, SASL_SCRAM_512_AUTH,
            CLIENT_CERTIFICATE_TLS_AUTH);
    private static final Set<String> SELF_MANAGED_TYPES = Set.of(BASIC_AUTH, SASL_SCRAM_256_AUTH,
            SASL_SCRAM_512_AUTH, CLIENT_CERTIFICATE_TLS_AUTH, SERVER_ROOT_CA_CERTIFICATE, VPC_SUBNET,
            VPC_SECURITY_GROUP);
    private static final Set<String> MSK_TYPES = Set.of(SASL_SCRAM_512_AUTH, CLIENT_CERTIFICATE_TLS_AUTH);
    /** The PEM label of an encrypted PKCS#8 key, the one form of key that takes a privateKeyPassword. */
    private static final String ENCRYPTED_KEY = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    static final String SECRET_ARN = "arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:.+";

    /**
     * Reads and checks the field without calling any service; none given means no authentication, no TLS (for
     * Amazon MSK: what {@link MskBrokers} picks).
     */
    static KafkaSourceAccess of(MappingSpec spec, boolean msk) {
        Set<String> types = msk ? MSK_TYPES : SELF_MANAGED_TYPES;
        JsonNode list = spec.node(SOURCE_ACCESS_CONFIGURATIONS);
        List<Entry> entries = new ArrayList<>();
        if (list == null) {
            return new KafkaSourceAccess(entries);
        }
        String authentication = null;
        for (int i = 0; i < list.size(); i++) {
            String where = SOURCE_ACCESS_CONFIGURATIONS + "[" + i + "]";
            JsonNode entry = list.get(i);
            if (!entry.isObject() || !entry.path("Type").isTextual() || !entry.path("URI").isTextual()
                    || entry.size() != 2) {
                throw new InvalidMappingException(where, entry, "Expected {\"Type\": \"<type>\", \"URI\": "
                        + "\"<Secrets Manager secret ARN>\"}.");
            }
            String type = entry.get("Type").asText();
            String uri = entry.get("URI").asText();
            if (!types.contains(type)) {
                throw new InvalidMappingException(where + ".Type", type, "Expected one of " + String.join(", ",
                        types.stream().sorted().toList()) + (msk ? " for an Amazon MSK source (without one, the "
                        + "worker uses IAM authentication if the cluster has it on, as Lambda does)."
                        : " for a self-managed Kafka source (the other types are Amazon MSK's or Amazon MQ's)."));
            }
            if (AUTHENTICATION.contains(type)) {
                if (authentication != null) {
                    throw new InvalidMappingException(where + ".Type", type, "Expected one authentication method; "
                            + "the mapping has " + authentication + " already.");
                }
                authentication = type;
            }
            if (type.equals(SERVER_ROOT_CA_CERTIFICATE)
                    && entries.stream().anyMatch(e -> e.type().equals(SERVER_ROOT_CA_CERTIFICATE))) {
                throw new InvalidMappingException(where + ".Type", type, "Expected one SERVER_ROOT_CA_CERTIFICATE.");
            }
            if (!type.startsWith("VPC_") && !uri.matches(SECRET_ARN)) {
                throw new InvalidMappingException(where + ".URI", uri, "Expected a Secrets Manager secret ARN, "
                        + "arn:aws:secretsmanager:<region>:<account>:secret:<name>.");
            }
            entries.add(new Entry(type, uri));
        }
        return new KafkaSourceAccess(entries);
    }

    /** The authentication method's type, or null when there is none. */
    @Nullable String authentication() {
        return entries.stream().map(Entry::type).filter(AUTHENTICATION::contains).findFirst().orElse(null);
    }

    /** Whether anything needs a secret, i.e. whether {@link #consumerProperties} calls Secrets Manager. */
    boolean needsSecrets() {
        return entries.stream().anyMatch(entry -> !entry.type().startsWith("VPC_"));
    }

    /** The consumer properties these configurations stand for, with each secret read through {@code secrets}. */
    Map<String, String> consumerProperties(SecretReader secrets) throws Exception {
        Map<String, String> properties = new LinkedHashMap<>();
        boolean tls = false;
        boolean sasl = false;
        for (Entry entry : entries) {
            String mechanism = SASL_MECHANISMS.get(entry.type());
            if (mechanism != null) {
                JsonNode secret = secret(secrets, entry, "username", "password");
                sasl = true;
                tls = true;
                properties.put("sasl.mechanism", mechanism);
                properties.put("sasl.jaas.config", (mechanism.equals("PLAIN")
                        ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                        : "org.apache.kafka.common.security.scram.ScramLoginModule") + " required username=\""
                        + jaasQuoted(secret.get("username").asText()) + "\" password=\""
                        + jaasQuoted(secret.get("password").asText()) + "\";");
            } else if (entry.type().equals(CLIENT_CERTIFICATE_TLS_AUTH)) {
                JsonNode secret = secret(secrets, entry, "certificate", "privateKey");
                tls = true;
                properties.put("ssl.keystore.type", "PEM");
                properties.put("ssl.keystore.certificate.chain", secret.get("certificate").asText());
                String key = secret.get("privateKey").asText();
                properties.put("ssl.keystore.key", key);
                // The password is for an encrypted key only, as Lambda asks for it: given with a plain key (an empty
                // template field, say), Kafka would try to decrypt that key and refuse it.
                if (key.contains(ENCRYPTED_KEY)) {
                    properties.put("ssl.key.password", keyPassword(entry, secret));
                }
            } else if (entry.type().equals(SERVER_ROOT_CA_CERTIFICATE)) {
                JsonNode secret = secret(secrets, entry, "certificate");
                tls = true;
                properties.put("ssl.truststore.type", "PEM");
                properties.put("ssl.truststore.certificates", secret.get("certificate").asText());
            }
        }
        if (tls) {
            properties.put("security.protocol", sasl ? "SASL_SSL" : "SSL");
        }
        return properties;
    }

    /** Reads a secret's {@code SecretString} by ARN. */
    @FunctionalInterface
    interface SecretReader {
        String secretString(String arn) throws Exception;
    }

    static JsonNode secret(SecretReader secrets, Entry entry, String... keys) throws Exception {
        JsonNode secret;
        try {
            secret = JSON.readTree(secrets.secretString(entry.uri()));
        } catch (IOException e) {
            // Not Jackson's message: it quotes the input, which is the secret. A node without fields: refused below.
            secret = MissingNode.getInstance();
        }
        for (String key : keys) {
            if (!secret.path(key).isTextual()) {
                throw new IllegalStateException("the " + entry.type() + " secret " + entry.uri() + " is not a JSON "
                        + "object with the string fields " + String.join(", ", keys) + ", as Lambda expects");
            }
        }
        return secret;
    }

    /** The privateKeyPassword of a secret whose privateKey is encrypted, which Lambda requires then. */
    private static String keyPassword(Entry entry, JsonNode secret) {
        if (!secret.path("privateKeyPassword").isTextual()) {
            throw new IllegalStateException("the " + entry.type() + " secret " + entry.uri() + " has an encrypted "
                    + "privateKey (" + ENCRYPTED_KEY + ") but no string field privateKeyPassword, as Lambda expects");
        }
        return secret.get("privateKeyPassword").asText();
    }

    /**
     * A value inside a JAAS option's double quotes. Kafka's parser ends a quoted value at a line break, so a secret
     * with one would fail to parse, and Kafka's error would quote the rest of it as an option name: line breaks are
     * written as the parser's escapes, which it turns back into the same characters.
     */
    private static String jaasQuoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
                .replace("\r", "\\r");
    }
}

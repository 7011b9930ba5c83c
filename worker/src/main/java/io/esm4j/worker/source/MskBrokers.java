package io.esm4j.worker.source;

import static io.esm4j.worker.source.KafkaSourceAccess.CLIENT_CERTIFICATE_TLS_AUTH;
import static io.esm4j.worker.source.KafkaSourceAccess.SASL_SCRAM_512_AUTH;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.worker.aws.AwsSigning;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * An Amazon MSK cluster's bootstrap brokers, from MSK's GetBootstrapBrokers (one string per way in; null where the
 * cluster has that way off), and Lambda's choice among them. Lambda takes the strongest way in that the mapping allows:
 * mutual TLS or SASL/SCRAM when the mapping has that secret; otherwise IAM if the cluster has it on, else TLS without
 * authentication, else plaintext. As in Lambda, a way in the cluster does not offer is an error, never a fall-back to
 * a weaker one. By default these are the brokers' addresses inside the cluster's VPC, which Lambda uses; a worker
 * outside it can take the public ones instead (public access has no plaintext way in). A mapping on a multi-VPC
 * connection (a cluster of another account) takes the connection's brokers, also without plaintext.
 *
 * @param field     the answer's field name before the way in: {@code BootstrapBrokerString},
 *                  {@code BootstrapBrokerStringPublic} for the public endpoints or
 *                  {@code BootstrapBrokerStringVpcConnectivity} for a multi-VPC connection
 * @param plaintext {@code <field>}; only the VPC's own brokers have a plaintext way in
 * @param tls       {@code <field>Tls} (TLS, and mutual TLS when the cluster asks for client certificates)
 * @param saslScram {@code <field>SaslScram}
 * @param saslIam   {@code <field>SaslIam}
 */
record MskBrokers(String field, @Nullable String plaintext, @Nullable String tls, @Nullable String saslScram,
                  @Nullable String saslIam) {

    static final String PRIVATE = "BootstrapBrokerString";
    static final String PUBLIC = "BootstrapBrokerStringPublic";
    static final String VPC_CONNECTIVITY = "BootstrapBrokerStringVpcConnectivity";

    /** The consumer properties of IAM authentication: aws-msk-iam-auth's login module, the SDK's credentials. */
    static final Map<String, String> IAM_PROPERTIES = Map.of(
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "AWS_MSK_IAM",
            "sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;",
            "sasl.client.callback.handler.class", "software.amazon.msk.auth.iam.IAMClientCallbackHandler");

    /** Where and how to connect: the bootstrap servers and what the way in needs beyond a secret's properties. */
    record Choice(String method, String bootstrapServers, Map<String, String> properties) {}

    /**
     * Calls GetBootstrapBrokers for the cluster at the {@code kafka} endpoint override if there is one, else at the
     * cluster's region's, and keeps the brokers of one kind ({@link #PRIVATE}, {@link #PUBLIC} or
     * {@link #VPC_CONNECTIVITY}).
     */
    static MskBrokers fetch(AwsJsonApi api, @Nullable URI endpointOverride, String clusterArn, String field)
            throws IOException, InterruptedException {
        JsonNode answer = get(api, endpointOverride, clusterArn, "/v1/clusters/", "/bootstrap-brokers",
                "find the brokers of MSK cluster " + clusterArn);
        return new MskBrokers(field, field.equals(PRIVATE) ? text(answer, field) : null, text(answer, field + "Tls"),
                text(answer, field + "SaslScram"), text(answer, field + "SaslIam"));
    }

    /** The cluster a multi-VPC connection leads to, from MSK's DescribeVpcConnection. */
    static String targetCluster(AwsJsonApi api, @Nullable URI endpointOverride, String vpcConnectionArn)
            throws IOException, InterruptedException {
        String what = "find the cluster of MSK VPC connection " + vpcConnectionArn;
        JsonNode target = get(api, endpointOverride, vpcConnectionArn, "/v1/vpc-connection/", "", what)
                .get("TargetClusterArn");
        if (target == null || !target.isTextual() || target.asText().isBlank()) {
            throw new IllegalStateException("cannot " + what + ": DescribeVpcConnection gave no TargetClusterArn");
        }
        return target.asText();
    }

    private static JsonNode get(AwsJsonApi api, @Nullable URI endpointOverride, String arn, String before,
                                String after, String what) throws IOException, InterruptedException {
        String region = arn.split(":", 6)[3];
        String base = (endpointOverride != null ? endpointOverride : AwsSigning.regionalEndpoint("kafka", region))
                .toString().replaceAll("/+$", "");
        URI uri = URI.create(base + before + URLEncoder.encode(arn, StandardCharsets.UTF_8) + after);
        return api.call(what, SdkHttpMethod.GET, uri, new byte[0], Map.of("Accept", List.of("application/json")),
                "kafka", region);
    }

    /** Lambda's choice for a mapping with that authentication type (null for none). */
    Choice choose(@Nullable String authentication, String clusterArn) {
        if (CLIENT_CERTIFICATE_TLS_AUTH.equals(authentication)) {
            return new Choice("mutual TLS", required(tls, field + "Tls", CLIENT_CERTIFICATE_TLS_AUTH, clusterArn),
                    Map.of());
        }
        if (SASL_SCRAM_512_AUTH.equals(authentication)) {
            return new Choice("SASL/SCRAM", required(saslScram, field + "SaslScram", SASL_SCRAM_512_AUTH, clusterArn),
                    Map.of());
        }
        if (saslIam != null) {
            return new Choice("IAM", saslIam, IAM_PROPERTIES);
        }
        if (tls != null) {
            return new Choice("TLS", tls, Map.of("security.protocol", "SSL"));
        }
        if (plaintext != null) {
            return new Choice("plaintext", plaintext, Map.of());
        }
        throw new IllegalStateException("cannot connect to MSK cluster " + clusterArn + ": GetBootstrapBrokers gave "
                + switch (field) {
                    case PUBLIC -> "no public brokers (is public access turned on?)";
                    case VPC_CONNECTIVITY -> "no multi-VPC brokers (is multi-VPC connectivity turned on?)";
                    default -> "no brokers (is the cluster still being created?)";
                });
    }

    private static String required(@Nullable String brokers, String field, String authentication,
                                   String clusterArn) {
        if (brokers == null) {
            throw new IllegalStateException("cannot connect to MSK cluster " + clusterArn + " with " + authentication
                    + ": GetBootstrapBrokers gave no " + field + ", so the cluster does not have that way in on; as "
                    + "in Lambda, no weaker one is tried");
        }
        return brokers;
    }

    private static @Nullable String text(JsonNode answer, String field) {
        JsonNode value = answer.get(field);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }
}

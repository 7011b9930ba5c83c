package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The fields of a Kafka mapping's request as Lambda names them, self-managed or Amazon MSK, read and checked: an
 * object Lambda's request has may carry only the fields Lambda's has.
 */
final class KafkaMappingFields {

    static final String BOOTSTRAP_SERVERS = SELF_MANAGED_EVENT_SOURCE + ".Endpoints.KAFKA_BOOTSTRAP_SERVERS";
    /** An MSK cluster (provisioned or serverless). */
    static final String MSK_CLUSTER = "cluster/[^/]+/[^/]+";
    /** A multi-VPC connection to another account's cluster: {@code vpc-connection/<owner>/<cluster name>/<id>}. */
    static final String MSK_VPC_CONNECTION = "vpc-connection/\\d{12}/[^/]+/[^/]+";
    static final String CONSUMER_GROUP_ID = "ConsumerGroupId";
    static final String SCHEMA_REGISTRY_CONFIG = "SchemaRegistryConfig";
    /** The fields of Lambda's SelfManagedKafkaEventSourceConfig and AmazonManagedKafkaEventSourceConfig. */
    static final List<String> KAFKA_CONFIG_FIELDS = List.of(CONSUMER_GROUP_ID, SCHEMA_REGISTRY_CONFIG);

    private KafkaMappingFields() {}

    /** An Amazon MSK mapping names its cluster (or connection) by EventSourceArn; a self-managed one has none. */
    static boolean msk(MappingSpec spec) {
        return spec.has(EVENT_SOURCE_ARN);
    }

    /** An Amazon MSK mapping's EventSourceArn: its cluster's, or its multi-VPC connection's. */
    static Arns mskArn(MappingSpec spec) {
        Arns arn = Arns.parse(spec.eventSourceArn());
        if (arn == null || !arn.hasAccount()
                || !arn.resource().matches(MSK_CLUSTER) && !arn.resource().matches(MSK_VPC_CONNECTION)) {
            throw new InvalidMappingException(EVENT_SOURCE_ARN, spec.eventSourceArn(), "Expected an Amazon MSK "
                    + "cluster's ARN, arn:aws:kafka:<region>:<account, 12 digits>:cluster/<name>/<uuid>, or a "
                    + "multi-VPC connection's, arn:aws:kafka:<region>:<account>:vpc-connection/<owner>/<name>/"
                    + "<id>.");
        }
        return arn;
    }

    static String selfManagedServers(MappingSpec spec) {
        JsonNode servers = path(spec, SELF_MANAGED_EVENT_SOURCE, "Endpoints", "KAFKA_BOOTSTRAP_SERVERS");
        List<String> serverList = new ArrayList<>();
        if (servers != null && servers.isArray()) {
            servers.forEach(server -> serverList.add(server.isTextual() ? server.asText() : ""));
        }
        if (serverList.isEmpty() || serverList.stream().anyMatch(s -> !s.matches("[^\\s,:]+:\\d{1,5}"))) {
            throw new InvalidMappingException(BOOTSTRAP_SERVERS, servers, "Expected a list of host:port, e.g. "
                    + "{\"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": [\"b-1.example:9092\"]}}.");
        }
        return String.join(",", serverList);
    }

    /** The request's ConsumerGroupId field, with its object's name. */
    static String groupField(MappingSpec spec) {
        return (kafkaConfig(spec)) + "." + CONSUMER_GROUP_ID;
    }

    /** A nested value, refusing any field of those objects Lambda's request does not have. */
    private static @Nullable JsonNode path(MappingSpec spec, String field, String... names) {
        JsonNode node = spec.node(field);
        String where = field;
        for (String name : names) {
            if (node == null) {
                return null;
            }
            checkFields(where, node, List.of(name));
            node = node.get(name);
            where = where + "." + name;
        }
        return node;
    }

    /**
     * A field of the mapping's Self-managed or AmazonManagedKafkaEventSourceConfig (null without the object or the
     * field), refusing fields Lambda's object does not have.
     */
    static @Nullable JsonNode kafkaConfigField(MappingSpec spec, String name) {
        String config = kafkaConfig(spec);
        JsonNode node = spec.node(config);
        if (node == null) {
            return null;
        }
        checkFields(config, node, KAFKA_CONFIG_FIELDS);
        return node.get(name);
    }

    private static void checkFields(String where, JsonNode node, List<String> allowed) {
        if (!node.isObject()) {
            throw new InvalidMappingException(where, node, "Expected an object with " + String.join(", ", allowed)
                    + ".");
        }
        for (var entry : node.properties()) {
            if (!allowed.contains(entry.getKey())) {
                throw new InvalidMappingException(where + "." + entry.getKey(), entry.getValue(),
                        "Unknown field; allowed: " + String.join(", ", allowed) + ".");
            }
        }
    }

    /** The mapping's SchemaRegistryConfig, checked, or null without one. */
    static @Nullable SchemaRegistryConfigs schemaRegistry(MappingSpec spec) {
        String config = kafkaConfig(spec);
        return SchemaRegistryConfigs.of(kafkaConfigField(spec, SCHEMA_REGISTRY_CONFIG),
                config + "." + SCHEMA_REGISTRY_CONFIG);
    }

    /** The request's Self-managed or AmazonManagedKafkaEventSourceConfig field name. */
    static String kafkaConfig(MappingSpec spec) {
        return msk(spec) ? AMAZON_MANAGED_KAFKA_CONFIG : SELF_MANAGED_KAFKA_CONFIG;
    }
}

package io.esm4j.kafka;

import io.esm4j.testsupport.FreePorts;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A KRaft broker in the test JVM with Kafka's {@code StandardAuthorizer}, on 127.0.0.1. Its PLAINTEXT listener carries
 * the broker's own connections (to its controller) and the test's admin client and producer ({@link #broker}), as
 * {@code User:ANONYMOUS}, the super user; mappings connect to a SASL_PLAINTEXT listener as SASL/PLAIN users, who may do
 * nothing but what {@link #allow} grants them.
 */
final class AclBroker implements AutoCloseable {

    /** The admin client and producer, as the super user. */
    final KafkaBroker broker;
    /** The SASL_PLAINTEXT listener's address, the mappings' bootstrap servers. */
    final String saslServers;

    private AclBroker(KafkaBroker broker, String saslServers) {
        this.broker = broker;
        this.saslServers = saslServers;
    }

    /** A broker whose SASL/PLAIN users are {@code users}, each with the password {@code <user>-password}. */
    static AclBroker start(String... users) throws Exception {
        int[] ports = FreePorts.distinct(3);
        String saslServers = "127.0.0.1:" + ports[2];
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        for (String user : users) {
            jaas.append(" user_").append(user).append("=\"").append(password(user)).append('"');
        }
        KafkaBroker broker = KafkaBroker.start(ports[0], ports[1], Map.of(
                "listeners", "BROKER://127.0.0.1:" + ports[0] + ",CONTROLLER://127.0.0.1:" + ports[1]
                        + ",SASL://" + saslServers,
                "advertised.listeners", "BROKER://127.0.0.1:" + ports[0] + ",SASL://" + saslServers,
                "listener.security.protocol.map", "BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL:SASL_PLAINTEXT",
                "listener.name.sasl.sasl.enabled.mechanisms", "PLAIN",
                "listener.name.sasl.plain.sasl.jaas.config", jaas.append(';').toString(),
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // The broker itself, its controller and the test's admin client and producer (PLAINTEXT listeners).
                "super.users", "User:ANONYMOUS",
                // Sessions as short as a test that outlasts one needs (the broker's default minimum is 6 s).
                "group.min.session.timeout.ms", "1000"));
        return new AclBroker(broker, saslServers);
    }

    /** A source as below, with the classic group protocol's timeouts of the tests (a 10 s session). */
    KafkaSource.Builder source(String user, String topic, String group) {
        return source(user, topic, group, builder -> builder.consumerProperty("session.timeout.ms", "10000")
                .consumerProperty("heartbeat.interval.ms", "500"));
    }

    /**
     * A source reading {@code topic} in {@code group} as {@code user} over SASL/PLAIN; {@code protocol} adds the group
     * protocol's settings (the classic protocol's timeouts, or the consumer group protocol, which refuses them).
     */
    KafkaSource.Builder source(String user, String topic, String group, UnaryOperator<KafkaSource.Builder> protocol) {
        return protocol.apply(KafkaSource.builder()).bootstrapServers(saslServers).topics(topic).consumerGroupId(group)
                .consumerProperty("security.protocol", "SASL_PLAINTEXT")
                .consumerProperty("sasl.mechanism", "PLAIN")
                .consumerProperty("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule "
                        + "required username=\"" + user + "\" password=\"" + password(user) + "\";");
    }

    /** Grants {@code user} {@code operation} on the resource (Admin.createAcls); the binding, to take it away. */
    AclBinding allow(String user, ResourceType type, String name, AclOperation operation) throws Exception {
        AclBinding binding = new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
        broker.admin.createAcls(List.of(binding)).all().get();
        return binding;
    }

    /** Takes a granted ACL away (Admin.deleteAcls). */
    void deny(AclBinding binding) throws Exception {
        broker.admin.deleteAcls(List.of(binding.toFilter())).all().get();
    }

    /** Writes {@code count} records to partition 0, values {@code v<from>} on, key {@code k}, as the super user. */
    void send(String topic, int from, int count) throws Exception {
        for (int i = from; i < from + count; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
    }

    private static String password(String user) {
        return user + "-password";
    }

    @Override
    public void close() {
        broker.close();
    }
}

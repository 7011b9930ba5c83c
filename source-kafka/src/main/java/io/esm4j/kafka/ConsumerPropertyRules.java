package io.esm4j.kafka;

import io.esm4j.settings.InvalidSettingException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link KafkaSource} accepts of the consumer properties passed through: none that esm4j sets itself, none that
 * the chosen group protocol refuses, and a max.poll.interval.ms that leaves room for the revoke wait. Checked when the
 * source is built, so that a mapping never starts with a consumer that fails at its first poll.
 */
final class ConsumerPropertyRules {

    private static final Set<String> RESERVED = Set.of("bootstrap.servers", "group.id", "enable.auto.commit",
            "auto.offset.reset", "key.deserializer", "value.deserializer");
    /**
     * Consumer properties of the classic group protocol that kafka-clients refuses under {@code
     * group.protocol=consumer} (KIP-848), where the group coordinator owns the session, heartbeats and assignment.
     */
    private static final Set<String> CLASSIC_PROTOCOL_ONLY = Set.of("partition.assignment.strategy",
            "session.timeout.ms", "heartbeat.interval.ms");
    private static final String MAX_POLL_INTERVAL = ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG;
    /** What the consumer takes without a max.poll.interval.ms of ours (300,000 ms in kafka-clients 4). */
    static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMillis(
            (Integer) Objects.requireNonNull(ConsumerConfig.configDef().defaultValues().get(MAX_POLL_INTERVAL),
                    MAX_POLL_INTERVAL));

    private ConsumerPropertyRules() {}

    /** Refuses a property esm4j sets itself, naming the setting to use instead. */
    static void checkNotReserved(String name) {
        if (RESERVED.contains(name)) {
            throw new InvalidSettingException("consumerProperty", name,
                    "a property other than " + new TreeSet<>(RESERVED) + ", which esm4j sets: use "
                            + "bootstrapServers, consumerGroupId and StartingPosition instead");
        }
    }

    /**
     * Whether {@code servers} is a list of host:port, as bootstrap.servers takes it (entries separated by commas and
     * blanks, an IPv6 host in brackets). Nothing is resolved: a mapping builds offline. Kafka itself would refuse
     * such a value only when the consumer is made, at the mapping's start.
     */
    static boolean hostsAndPorts(String servers) {
        boolean any = false;
        for (String server : servers.trim().split("\\s*,\\s*")) {
            if (server.isEmpty()) {
                continue;
            }
            Integer port;
            try {
                port = Utils.getPort(server);
            } catch (NumberFormatException tooLong) {
                return false;
            }
            String host = Utils.getHost(server);
            if (host == null || host.isBlank() || port == null || port > 65_535) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /** Whether the properties choose the consumer group protocol of KIP-848 ({@code group.protocol=consumer}). */
    static boolean usesConsumerGroupProtocol(Map<String, String> properties) {
        String protocol = properties.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        return protocol != null && GroupProtocol.CONSUMER.name().equalsIgnoreCase(protocol.trim());
    }

    /** The checks that need all the properties, and the source's RevokeTimeout. */
    static void check(Map<String, String> properties, Duration revokeTimeout) {
        if (usesConsumerGroupProtocol(properties)) {
            for (String name : properties.keySet()) {
                if (CLASSIC_PROTOCOL_ONLY.contains(name)) {
                    throw new InvalidSettingException("consumerProperty", name + "=" + properties.get(name),
                            "none of " + new TreeSet<>(CLASSIC_PROTOCOL_ONLY) + " with group.protocol=consumer: "
                                    + "under that protocol the broker's group coordinator sets the session "
                                    + "timeout, the heartbeat interval and the assignment (group.consumer.* "
                                    + "broker configs, group.remote.assignor)");
                }
            }
        }
        Duration maxPollInterval = maxPollInterval(properties.get(MAX_POLL_INTERVAL));
        if (revokeTimeout.compareTo(maxPollInterval) >= 0) {
            throw new InvalidSettingException(KafkaSource.REVOKE_TIMEOUT.name(), revokeTimeout.toMillis() + " ms",
                    "less than max.poll.interval.ms, " + maxPollInterval.toMillis() + " ms"
                            + (properties.containsKey(MAX_POLL_INTERVAL) ? "" : " (Kafka's default)")
                            + ": the revoke wait holds the poll thread, and a member that does not poll within "
                            + "max.poll.interval.ms is removed from the group; lower RevokeTimeout or raise "
                            + "max.poll.interval.ms");
        }
    }

    private static Duration maxPollInterval(@Nullable String property) {
        if (property == null) {
            return DEFAULT_MAX_POLL_INTERVAL;
        }
        try {
            int millis = Integer.parseInt(property.trim());
            if (millis >= 1) {
                return Duration.ofMillis(millis);
            }
        } catch (NumberFormatException e) {
            // Refused below, with what is expected.
        }
        throw new InvalidSettingException("consumerProperty", MAX_POLL_INTERVAL + "=" + property,
                "a whole number of milliseconds from 1 to " + Integer.MAX_VALUE + ", as kafka-clients takes");
    }
}

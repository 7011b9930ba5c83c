package io.esm4j.worker.local;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

/**
 * A KRaft Kafka broker in this process (embedded-kafka), on 127.0.0.1 and free ports, reached by reflection for the
 * same reason as {@link ElasticMq}: the jar's name ({@code embedded-kafka_2.13}) gives no valid automatic module name.
 * Its logs live in a temporary folder deleted by {@link #close()}.
 */
final class EmbeddedKafkaBroker implements AutoCloseable {

    private final Object server;
    private final String bootstrapServers;

    private EmbeddedKafkaBroker(Object server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts a broker (with its controller) on free ports of 127.0.0.1; topics are created explicitly. */
    static EmbeddedKafkaBroker start() throws ReflectiveOperationException, IOException {
        // The broker's logging controller asks the Log4j API for a logger; the worker ships no Log4j back end (the
        // broker logs through SLF4J), so Log4j's status logger would print an ERROR line that changes nothing.
        if (System.getProperty("log4j2.statusLoggerLevel") == null) {
            System.setProperty("log4j2.statusLoggerLevel", "OFF");
        }
        // embedded-kafka listens on "localhost", which may resolve to ::1 as well: its listeners are replaced by
        // 127.0.0.1 ones, on ports picked here because the listeners must name them.
        int brokerPort = freePort();
        int controllerPort = freePort();
        Object brokerProperties = scalaMap(Map.of("group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false",
                "listeners", "BROKER://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners", "BROKER://127.0.0.1:" + brokerPort,
                "controller.quorum.voters", "0@127.0.0.1:" + controllerPort));
        Object empty = scalaMap(Map.of());
        Class<?> scalaMap = Class.forName("scala.collection.immutable.Map");
        Object configCompanion = module("io.github.embeddedkafka.EmbeddedKafkaConfig$");
        Object config = configCompanion.getClass().getMethod("apply", int.class, int.class, scalaMap, scalaMap,
                scalaMap).invoke(configCompanion, brokerPort, controllerPort, brokerProperties, empty, empty);
        Object kafka = module("io.github.embeddedkafka.EmbeddedKafka$");
        Method start = kafka.getClass().getMethod("start",
                Class.forName("io.github.embeddedkafka.EmbeddedKafkaConfig"));
        Object server = start.invoke(kafka, config);
        Object startedConfig = server.getClass().getMethod("config").invoke(server);
        int port = (int) startedConfig.getClass().getMethod("kafkaPort").invoke(startedConfig);
        return new EmbeddedKafkaBroker(server, "127.0.0.1:" + port);
    }

    /** {@code 127.0.0.1:<port>}, for KAFKA_BOOTSTRAP_SERVERS. */
    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Stops broker and controller and deletes their logs. */
    @Override
    public void close() {
        try {
            server.getClass().getMethod("stop", boolean.class).invoke(server, true);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot stop the embedded Kafka broker", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Object module(String className) throws ReflectiveOperationException {
        return Class.forName(className).getField("MODULE$").get(null);
    }

    private static Object scalaMap(Map<String, String> entries) throws ReflectiveOperationException {
        Class<?> mapType = Class.forName("scala.collection.immutable.Map");
        Object companion = module("scala.collection.immutable.Map$");
        Object map = companion.getClass().getMethod("empty").invoke(companion);
        Method updated = mapType.getMethod("updated", Object.class, Object.class);
        for (Map.Entry<String, String> entry : entries.entrySet()) {
            map = updated.invoke(map, entry.getKey(), entry.getValue());
        }
        return map;
    }
}

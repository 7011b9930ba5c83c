package io.esm4j.modulepath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureDestination;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.sinks.FailureDestinations;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sources, destinations and stores of every library module, built on the module path inside this test runner;
 * {@link AppLaunchTest} runs the calls that reach a service (their SDK clients point at a loopback port nothing
 * listens on) in a program launched on the module path.
 */
class LibraryModulesTest {

    private static AwsClients clients;

    @BeforeAll
    static void clients() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            clients = AwsClients.at(URI.create("http://127.0.0.1:" + socket.getLocalPort()));
        }
    }

    @AfterAll
    static void close() {
        if (clients != null) {
            clients.close();
        }
    }

    @Test
    void theTestsRunInNamedModulesOfTheBootLayer() {
        assertThat(LibraryModulesTest.class.getModule().getName()).isEqualTo("io.esm4j.modulepath");
        assertThat(EventSourceMapping.class.getModule().getName()).isEqualTo("io.esm4j.core");
        assertThat(EventSourceMapping.class.getModule().getLayer()).isSameAs(ModuleLayer.boot());
        // The optional dependencies are not there: what these tests run must not need them.
        assertThat(ModuleLayer.boot().findModule("aws.lambda.java.events")).isEmpty();
        assertThat(ModuleLayer.boot().findModule("software.amazon.awssdk.services.glue")).isEmpty();
    }

    @Test
    void eachLibraryIsANamedModule() {
        assertThat(KafkaSource.class.getModule().getName()).isEqualTo("io.esm4j.kafka");
        assertThat(FailureDestinations.class.getModule().getName()).isEqualTo("io.esm4j.sinks");
        assertThat(Sources.kinesis(clients).getClass().getModule().getName()).isEqualTo("io.esm4j.kinesis");
        assertThat(Sources.dynamoDbStreams(clients).getClass().getModule().getName())
                .isEqualTo("io.esm4j.dynamodbstreams");
        assertThat(Stores.dynamoDbLeases(clients.dynamoDb()).getClass().getModule().getName())
                .isEqualTo("io.esm4j.dynamodb");
    }

    /** Lettuce's commands as an interface that refuses every call: the Redis stores get as far as calling them. */
    @Test
    void theRedisStoresCallLettuce() {
        @SuppressWarnings("unchecked")
        RedisClusterCommands<String, String> refusing = (RedisClusterCommands<String, String>) Proxy.newProxyInstance(
                RedisClusterCommands.class.getClassLoader(), new Class<?>[] {RedisClusterCommands.class},
                (proxy, method, args) -> {
                    throw new UnsupportedOperationException("no Redis here: " + method.getName());
                });
        assertThatThrownBy(() -> Stores.redisLeases(refusing).list("orders"))
                .hasStackTraceContaining("no Redis here: hgetall");
        assertThatThrownBy(() -> Stores.redisKeys(refusing).acquire("order-1", null, "worker-1",
                Instant.now().plusSeconds(60))).hasStackTraceContaining("no Redis here: evalsha");
    }

    @Test
    void aFailureDestinationIsResolvedFromEachKindOfArn() {
        FailureDestinations destinations = Destinations.all(clients);
        for (String arn : List.of(Destinations.QUEUE_ARN, Destinations.TOPIC_ARN, Destinations.BUCKET_ARN)) {
            FailureDestination destination = destinations.forArn("orders", arn);
            assertThat(destination.getClass().getModule().getName()).as(arn).isEqualTo("io.esm4j.sinks");
        }
    }
}

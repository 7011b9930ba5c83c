package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.metrics.MetricNames;
import io.esm4j.testsupport.FreePorts;
import io.esm4j.testsupport.TestCertificates;
import io.esm4j.testsupport.TestCertificates.Identity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster the mapping cannot reach: a Kafka consumer does not fail a poll for it, it only logs while it reconnects.
 * Before, such a mapping showed nothing at all (ENABLING or ENABLED, no problem, nothing counted); now both texts say
 * {@code PROBLEM: Connection error.} with the bootstrap servers once nothing answered for the consumer's
 * request.timeout.ms (short here), until a broker answers again. The broker of the running case is reached through a
 * {@link TcpProxy} that is cut and joined again, so that the broker itself runs on. The consumer group protocol's
 * (KIP-848) session is short here (the broker sets it: 4 s), so that a cut outlasts it.
 */
class KafkaConnectionErrorTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The consumers' request.timeout.ms, the silence after which the cluster counts as out of reach. */
    private static final String REQUEST_TIMEOUT_MS = "1000";
    private static final String CONNECTION_ERROR = "PROBLEM: Connection error.";

    private static KafkaBroker broker;
    private static TcpProxy proxy;
    private static String proxiedServers;
    /** A SASL/PLAIN listener whose only user is {@code reader}: a broker reached that refuses the credentials. */
    private static String saslServers;
    /** A TLS listener (a self-signed certificate), for a mapping that is not told to speak TLS. */
    private static String tlsServers;
    @TempDir
    static Path certificates;

    @BeforeAll
    static void start() throws Exception {
        int[] ports = FreePorts.distinct(6);
        proxiedServers = "127.0.0.1:" + ports[3];
        saslServers = "127.0.0.1:" + ports[4];
        tlsServers = "127.0.0.1:" + ports[5];
        Identity server = TestCertificates.selfSigned(certificates, "broker", "127.0.0.1", true);
        // The PROXIED listener is advertised at the proxy's port: a consumer that bootstraps through the proxy also
        // reaches the broker through it afterwards, and loses it when the proxy is cut.
        broker = KafkaBroker.start(ports[0], ports[1], Map.ofEntries(
                Map.entry("listeners", "BROKER://127.0.0.1:" + ports[0] + ",CONTROLLER://127.0.0.1:" + ports[1]
                        + ",PROXIED://127.0.0.1:" + ports[2] + ",SASL://" + saslServers + ",TLS://" + tlsServers),
                Map.entry("advertised.listeners", "BROKER://127.0.0.1:" + ports[0] + ",PROXIED://" + proxiedServers
                        + ",SASL://" + saslServers + ",TLS://" + tlsServers),
                Map.entry("listener.security.protocol.map",
                        "BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT,SASL:SASL_PLAINTEXT,TLS:SSL"),
                Map.entry("listener.name.sasl.sasl.enabled.mechanisms", "PLAIN"),
                Map.entry("listener.name.sasl.plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " user_reader=\"reader-password\";"),
                Map.entry("listener.name.tls.ssl.keystore.type", "PKCS12"),
                Map.entry("listener.name.tls.ssl.keystore.location", server.keyStore().toString()),
                Map.entry("listener.name.tls.ssl.keystore.password", TestCertificates.STORE_PASSWORD),
                Map.entry("listener.name.tls.ssl.key.password", TestCertificates.STORE_PASSWORD),
                // The consumer group protocol's session, which its members cannot set: short, for a cut to outlast.
                Map.entry("group.consumer.min.session.timeout.ms", "2000"),
                Map.entry("group.consumer.session.timeout.ms", "4000"),
                Map.entry("group.consumer.min.heartbeat.interval.ms", "500"),
                Map.entry("group.consumer.heartbeat.interval.ms", "1000")));
        proxy = new TcpProxy(ports[3], ports[2]);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Test
    void aClusterNeverReachedKeepsTheMappingEnablingWithAConnectionError() throws Exception {
        neverReached("unreachable", UnaryOperator.identity());
    }

    /** The same with the consumer group protocol's consumer (KIP-848), whose network thread is its own. */
    @Test
    void aClusterNeverReachedUnderTheConsumerGroupProtocol() throws Exception {
        neverReached("unreachable-kip848", builder -> builder.consumerProperty("group.protocol", "consumer"));
    }

    /**
     * A TLS listener given as PLAINTEXT (no {@code security.protocol=SSL}): the TCP connection is made, but the broker
     * never answers what the consumer sends.
     */
    @Test
    void aTlsListenerGivenAsPlaintextIsAConnectionError() throws Exception {
        neverReached("tls-as-plaintext", tlsServers, UnaryOperator.identity());
    }

    private void neverReached(String name, UnaryOperator<KafkaSource.Builder> protocol) throws Exception {
        // A loopback port nothing listens on: every connection is refused.
        neverReached(name, "127.0.0.1:" + FreePorts.distinct(1)[0], protocol);
    }

    private void neverReached(String name, String servers, UnaryOperator<KafkaSource.Builder> protocol)
            throws Exception {
        String problem = "PROBLEM: Connection error. No broker answered the mapping for 1 s; bootstrap servers: "
                + servers + ".";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name,
                protocol.apply(KafkaSource.builder()).bootstrapServers(servers).topics("orders")
                        .consumerGroupId("g-" + UUID.randomUUID())
                        .consumerProperty("request.timeout.ms", REQUEST_TIMEOUT_MS).build(), new Recorder())
                .settings(Fixtures.fast().build()).meterRegistry(registry).build();
        mapping.start();
        try {
            await().atMost(WAIT).until(() -> mapping.stateTransitionReason().equals(problem));
            assertThat(mapping.lastProcessingResult()).isEqualTo(problem);
            assertThat(mapping.state()).isEqualTo(MappingState.ENABLING);
            assertThat(AclAwaits.counter(registry, MetricNames.POLLING_ERROR_COUNT)).isPositive();
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /**
     * A cluster that goes out of reach while the mapping reads: the problem shows (the batches' OK from before does not
     * stand for it) and is counted; once the broker answers again, the problem goes, records written meanwhile are
     * read, and the result is theirs.
     */
    @Test
    void aClusterLostWhileRunningShowsAConnectionErrorUntilItAnswersAgain() throws Exception {
        String topic = broker.topic("reach", 1);
        String problem = "PROBLEM: Connection error. No broker answered the mapping for 1 s; bootstrap servers: "
                + proxiedServers + ".";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("reach",
                KafkaSource.builder().bootstrapServers(proxiedServers).topics(topic)
                        .consumerGroupId("g-" + UUID.randomUUID())
                        .consumerProperty("session.timeout.ms", "10000")
                        .consumerProperty("heartbeat.interval.ms", "500")
                        .consumerProperty("request.timeout.ms", REQUEST_TIMEOUT_MS).build(), handler)
                .settings(Fixtures.fast().build()).meterRegistry(registry).build();
        mapping.start();
        try {
            broker.send(topic, 0, "k", "before");
            await().atMost(WAIT).until(() -> handler.succeeded.size() == 1);
            assertThat(mapping.lastProcessingResult()).isEqualTo("OK");

            proxy.cut();
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult().equals(problem));
            // The newest problem: this one, or an offset commit that failed since for the same cause.
            assertThat(mapping.stateTransitionReason()).satisfiesAnyOf(
                    reason -> assertThat(reason).isEqualTo(problem),
                    reason -> assertThat(reason).startsWith("PROBLEM: committing offsets failed"));
            assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
            assertThat(AclAwaits.counter(registry, MetricNames.POLLING_ERROR_COUNT)).isPositive();
            broker.send(topic, 0, "k", "meanwhile");

            proxy.open();
            await().atMost(WAIT).until(() -> handler.succeeded.size() == 2
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    /**
     * The same under the consumer group protocol (KIP-848), whose heartbeats go from the consumer's own network thread,
     * and for longer than the member's session: the broker drops the member while it is cut off, so once the broker
     * answers again the member learns it was fenced, loses its partitions (nothing committed for them) and joins again.
     * The connection error shows and is counted while the cluster is out of reach and goes once it answers; the records
     * written meanwhile are read after the ones before (which were committed before the cut, and are not read again),
     * and all are committed.
     */
    @Test
    void aClusterLostWhileRunningUnderTheConsumerGroupProtocol() throws Exception {
        // The embedded broker is formatted without the feature that turns the protocol on.
        broker.admin.updateFeatures(Map.of("group.version", new FeatureUpdate((short) 1,
                FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions()).all().get();
        String topic = broker.topic("reach-kip848", 2);
        String group = "g-" + UUID.randomUUID();
        String problem = "PROBLEM: Connection error. No broker answered the mapping for 1 s; bootstrap servers: "
                + proxiedServers + ".";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder();
        // Without the classic protocol's session and heartbeat settings, which this protocol refuses.
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("reach-kip848",
                KafkaSource.builder().bootstrapServers(proxiedServers).topics(topic).consumerGroupId(group)
                        .consumerProperty("group.protocol", "consumer")
                        .consumerProperty("request.timeout.ms", REQUEST_TIMEOUT_MS).build(), handler)
                .settings(Fixtures.fast().build()).meterRegistry(registry).build();
        boolean cut = false;
        mapping.start();
        try {
            broker.sendAll(Fixtures.keyed(topic, 2, 5, 20).subList(0, 10));
            await().atMost(WAIT).until(() -> handler.succeeded.size() >= 10
                    && broker.committed(group).equals(broker.endOffsets(topic, 2)));
            assertThat(mapping.lastProcessingResult()).isEqualTo("OK");

            proxy.cut();
            cut = true;
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult().equals(problem));
            assertThat(mapping.stateTransitionReason()).satisfiesAnyOf(
                    reason -> assertThat(reason).isEqualTo(problem),
                    reason -> assertThat(reason).startsWith("PROBLEM: committing offsets failed"));
            assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
            assertThat(AclAwaits.counter(registry, MetricNames.POLLING_ERROR_COUNT)).isPositive();
            // The broker's side: the member's session ran out while nothing reached the broker.
            await().atMost(WAIT).until(() -> broker.admin.describeConsumerGroups(List.of(group)).all().get()
                    .get(group).members().isEmpty());
            // Still shown: nothing answered the mapping meanwhile.
            assertThat(mapping.lastProcessingResult()).isEqualTo(problem);
            broker.sendAll(Fixtures.keyed(topic, 2, 5, 20).subList(10, 20));

            proxy.open();
            cut = false;
            await().atMost(WAIT).until(() -> handler.succeeded.size() >= 20
                    && broker.committed(group).equals(broker.endOffsets(topic, 2)));
            await().atMost(WAIT).until(() -> mapping.lastProcessingResult().equals("OK")
                    && !mapping.stateTransitionReason().startsWith("PROBLEM"));
            assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
            assertThat(AclAwaits.counter(registry, KafkaMetricNames.PARTITIONS_LOST)).isPositive();
        } finally {
            if (cut) {
                proxy.open();
            }
            mapping.stop(Duration.ofSeconds(10));
        }
        // Those committed before the cut come once. Those written meanwhile may come twice, as at-least-once allows: read
        // once the broker answered, before the member's next heartbeat told it that it was fenced, and dropped
        // uncommitted with the lost partitions, whose next owner (this member, joined again) reads them again.
        assertThat(AclAwaits.values(handler))
                .containsOnlyOnce(IntStream.range(0, 10).mapToObj(i -> "v" + i).toArray(String[]::new));
        // All of v0..v19 over five keys (every fifth without one), in order within their key.
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 20, true);
    }

    /**
     * A broker that is reached but refuses the credentials is no connection error, though the consumer's connections
     * get no response either (SASL's handshake is no response): its failed authentications are answers, and only the
     * refusal's own message shows, also after several times the request.timeout.ms.
     */
    @Test
    void aBrokerThatRefusesTheCredentialsIsNoConnectionError() throws Exception {
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("refused",
                KafkaSource.builder().bootstrapServers(saslServers).topics("orders")
                        .consumerGroupId("g-" + UUID.randomUUID())
                        .consumerProperty("request.timeout.ms", REQUEST_TIMEOUT_MS)
                        .consumerProperty("security.protocol", "SASL_PLAINTEXT")
                        .consumerProperty("sasl.mechanism", "PLAIN")
                        .consumerProperty("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule"
                                + " required username=\"reader\" password=\"wrong\";").build(), new Recorder())
                .settings(Fixtures.fast().build()).build();
        mapping.start();
        try {
            await().atMost(WAIT)
                    .until(() -> mapping.lastProcessingResult().equals(KafkaAuthResults.SASL_AUTHENTICATION_FAILED));
            // Not a bound on how soon anything happens: watched for longer than a connection error would take to show
            // (request.timeout.ms and the probe's second), and never seen; nor does the refusal come and go between
            // the polls that throw it (the consumer's polls in between return nothing, which is no sign of access).
            await().during(Duration.ofSeconds(3)).atMost(WAIT).until(() -> mapping.lastProcessingResult()
                    .equals(KafkaAuthResults.SASL_AUTHENTICATION_FAILED)
                    && mapping.stateTransitionReason().startsWith("PROBLEM: polling Kafka failed: ")
                    && mapping.stateTransitionReason().contains("SaslAuthenticationException"));
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }
}

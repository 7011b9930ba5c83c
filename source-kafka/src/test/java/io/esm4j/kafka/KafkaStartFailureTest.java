package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/**
 * A mapping whose start() fails (here its consumer cannot be created: the SSL trust store it names does not exist)
 * does not stay ENABLING: it is stopped, DISABLED with the failure as its reason, as Lambda disables a mapping it
 * cannot start and says why; its meters are gone, and a later stop() returns at once.
 */
class KafkaStartFailureTest {

    @Test
    void aStartThatFailsLeavesTheMappingDisabledWithTheFailureAsItsReason() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KafkaSource source = KafkaSource.builder().bootstrapServers("127.0.0.1:9").topics("orders")
                .consumerProperty("security.protocol", "SSL")
                .consumerProperty("ssl.truststore.location", "/nonexistent/esm4j-test-truststore.jks").build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("unstartable", source, new Recorder())
                .settings(Fixtures.fast().build()).meterRegistry(registry).build();

        assertThatThrownBy(mapping::start).isInstanceOf(KafkaException.class);

        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: start failed: ")
                .contains(KafkaException.class.getName());
        assertThat(registry.getMeters()).isEmpty();
        // The consumer is made before any of the mapping's threads: none was started.
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.startsWith("esm4j-unstartable-"));
        assertThat(mapping.stop(Duration.ofSeconds(5))).isEqualTo(new StopResult(true, Map.of(), 0, List.of()));
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: start failed: ");
        assertThatThrownBy(mapping::start).isInstanceOf(IllegalStateException.class);
    }

    /** Key material that does not load fails the start, and LastProcessingResult says so in Lambda's words. */
    @Test
    void anInvalidClientKeyIsLambdasInvalidCertificateOrKeyResult() {
        KafkaSource source = KafkaSource.builder().bootstrapServers("127.0.0.1:9").topics("orders")
                .consumerProperty("security.protocol", "SSL").consumerProperty("ssl.keystore.type", "PEM")
                .consumerProperty("ssl.keystore.certificate.chain",
                        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
                .consumerProperty("ssl.keystore.key",
                        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n").build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("bad-key", source, new Recorder())
                .settings(Fixtures.fast().build()).meterRegistry(new SimpleMeterRegistry()).build();

        assertThatThrownBy(mapping::start).isInstanceOf(KafkaException.class);

        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: start failed: ");
        assertThat(mapping.lastProcessingResult())
                .isEqualTo("PROBLEM: Provided certificate or private key is invalid.");
    }
}

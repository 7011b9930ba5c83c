package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.EventSourceMapping;
import io.esm4j.settings.InvalidSettingException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * A mapping its source refuses when it is built (Kafka's own rules are checked as its engine is made, after the
 * mapping's meters were registered) leaves no meter behind: no mapping exists to remove them, so a worker refusing a
 * create request would have shown the refused name's meters for good.
 */
class RefusedMappingMetersTest {

    @Test
    void aMappingRefusedWhileItsEngineIsMadeLeavesNoMeter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KafkaSource source = KafkaSource.builder().bootstrapServers("b-1:9092").topics("mytopic").build();
        assertThatThrownBy(() -> EventSourceMapping.builder("refused", source, new Recorder())
                .settings(Fixtures.fast().tumblingWindowInSeconds(30).build()).meterRegistry(registry).build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("TumblingWindowInSeconds");
        assertThatThrownBy(() -> EventSourceMapping.builder("refused", source, new Recorder())
                .settings(Fixtures.fast().build()).onFailure(source.failureTopic("mytopic")).meterRegistry(registry)
                .build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("kafka://mytopic");
        assertThat(registry.getMeters()).isEmpty();
    }
}

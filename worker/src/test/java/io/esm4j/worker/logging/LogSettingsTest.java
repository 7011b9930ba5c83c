package io.esm4j.worker.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** Which loggers are held above the level set: the longest matching prefix decides. */
class LogSettingsTest {

    @Test
    void noisyLibrariesAreHeldBackAndTheLongestPrefixWins() {
        LogSettings info = new LogSettings(true, Level.INFO);
        assertThat(info.threshold("io.esm4j.worker.Worker")).isEqualTo(Level.INFO);
        assertThat(info.threshold("org.apache.kafka.clients.consumer.KafkaConsumer")).isEqualTo(Level.WARN);
        assertThat(info.threshold("kafka.log.UnifiedLog")).isEqualTo(Level.WARN);
        assertThat(info.threshold("kafka.server.DefaultAutoTopicCreationManager")).isEqualTo(Level.ERROR);
        assertThat(info.threshold("org.apache.kafka.controller.QuorumController")).isEqualTo(Level.ERROR);
        assertThat(new LogSettings(true, Level.ERROR).threshold("org.apache.kafka.clients.Metadata"))
                .isEqualTo(Level.ERROR);
    }
}

package io.esm4j.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.testing.InMemoryQueue;
import org.junit.jupiter.api.Test;

/** Queue settings fail with the same InvalidSettingException as stream settings, whichever way they arrive. */
class QueueSettingsTest {

    @Test
    void queueMappingBuilderRejectsNullSettingsLikeTheStreamBuilder() {
        QueueEventSourceMapping.Builder<?> builder = QueueEventSourceMapping.builder("m",
                InMemoryQueue.standard("q").build(), batch -> BatchResult.success());

        assertThatThrownBy(() -> builder.settings(null))
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.parameter()).isEqualTo("settings"))
                .hasMessageStartingWith("Invalid value for settings: null.")
                .hasMessageContaining("QueueSettings");
    }
}

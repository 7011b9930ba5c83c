package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.settings.InvalidSettingException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What {@link KafkaSource.Builder#build()} refuses, with the values and what it expected. */
class KafkaSourceSettingsTest {

    private static KafkaSource.Builder source() {
        return KafkaSource.builder().bootstrapServers("localhost:9092").topics("orders");
    }

    @Test
    void aRevokeTimeoutAsLongAsTheConsumersMaxPollIntervalIsRefusedNamingBoth() {
        assertThatThrownBy(() -> source().consumerProperty("max.poll.interval.ms", "60000")
                .revokeTimeout(Duration.ofMinutes(1)).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("RevokeTimeout: 60000 ms")
                .hasMessageContaining("less than max.poll.interval.ms, 60000 ms")
                .satisfies(e -> assertThat(((InvalidSettingException) e).parameter()).isEqualTo("RevokeTimeout"));
        assertThatThrownBy(() -> source().consumerProperty("max.poll.interval.ms", "2000")
                .revokeTimeout(Duration.ofSeconds(8)).build())
                .hasMessageContaining("8000 ms").hasMessageContaining("2000 ms");

        assertThat(source().consumerProperty("max.poll.interval.ms", "60000").revokeTimeout(Duration.ofSeconds(59))
                .build().revokeTimeout()).isEqualTo(Duration.ofSeconds(59));
    }

    @Test
    void withoutTheConsumerPropertyKafkasDefaultOfFiveMinutesIsTheBound() {
        assertThat(ConsumerPropertyRules.DEFAULT_MAX_POLL_INTERVAL).isEqualTo(Duration.ofMillis(300_000));
        assertThatThrownBy(() -> source().revokeTimeout(Duration.ofMinutes(6)).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("360000 ms")
                .hasMessageContaining("max.poll.interval.ms, 300000 ms (Kafka's default)");
        assertThatThrownBy(() -> source().revokeTimeout(Duration.ofMinutes(5)).build())
                .isInstanceOf(InvalidSettingException.class);

        assertThat(source().build().revokeTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(source().revokeTimeout(Duration.ofMillis(299_999)).build().revokeTimeout())
                .isEqualTo(Duration.ofMillis(299_999));
    }

    @Test
    void aMaxPollIntervalThatIsNotAPositiveWholeNumberOfMillisecondsIsRefused() {
        assertThatThrownBy(() -> source().consumerProperty("max.poll.interval.ms", "5m").build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("max.poll.interval.ms=5m")
                .hasMessageContaining("a whole number of milliseconds");
        assertThatThrownBy(() -> source().consumerProperty("max.poll.interval.ms", "0").build())
                .isInstanceOf(InvalidSettingException.class);
    }
}

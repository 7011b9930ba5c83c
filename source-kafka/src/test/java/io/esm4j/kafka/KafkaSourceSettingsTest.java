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

    /** Kafka would refuse them only when the mapping starts, with its own words for bootstrap.servers. */
    @Test
    void bootstrapServersThatAreNotHostAndPortAreRefusedWhenTheSourceIsBuilt() {
        for (String servers : new String[] {"localhost", "b-1:9092,b-2", "b-1:port", "b-1:70000", "b-1:99999999999", ":9092", " , "}) {
            assertThatThrownBy(() -> KafkaSource.builder().bootstrapServers(servers).topics("orders").build())
                    .as(servers).isInstanceOf(InvalidSettingException.class)
                    .hasMessage("Invalid value for BootstrapServers: " + servers
                            + ". Expected host:port[,host:port...].")
                    .satisfies(e -> assertThat(((InvalidSettingException) e).parameter())
                            .isEqualTo("BootstrapServers"));
        }
        assertThat(KafkaSource.builder().bootstrapServers("b-1:9092, b-2.example.com:9098,[::1]:9092")
                .topics("orders").build().bootstrapServers())
                .isEqualTo("b-1:9092, b-2.example.com:9098,[::1]:9092");
    }

    @Test
    void aNullTopicIsRefusedByNameWhenTheSourceIsBuilt() {
        assertThatThrownBy(() -> KafkaSource.builder().bootstrapServers("b-1:9092").topics("orders", null).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for Topics: [orders, null]. Expected one or more non-blank topic names.");
    }
}

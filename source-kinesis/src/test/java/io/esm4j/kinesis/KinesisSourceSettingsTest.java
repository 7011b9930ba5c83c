package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.settings.InvalidSettingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KinesisSourceSettingsTest {

    @Test
    void defaultsLeaveOneGetRecordsCallPerSecondForOtherConsumers() {
        KinesisSourceSettings settings = KinesisSourceSettings.defaults();

        assertThat(settings.getRecordsPerSecondPerShard()).isEqualTo(4);
        assertThat(settings.throttleBackoffInitial()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.throttleBackoffMax()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.invokeIdentityArnFor("aws", "123456789012"))
                .isEqualTo("arn:aws:iam::123456789012:role/esm4j");
    }

    @Test
    void invalidValuesNameTheSettingTheValueAndTheRange() {
        assertThatThrownBy(() -> KinesisSourceSettings.builder().getRecordsPerSecondPerShard(6).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for GetRecordsPerSecondPerShard: 6. Expected an integer from 1 to 5.");
        assertThatThrownBy(() -> KinesisSourceSettings.builder()
                .throttleBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for ThrottleBackoffMax: 1 s. Expected at least ThrottleBackoffInitial (2 s).");
        assertThatThrownBy(() -> KinesisSourceSettings.builder().throttleBackoff(Duration.ZERO, Duration.ZERO)
                .build()).isInstanceOf(InvalidSettingException.class)
                .hasMessageStartingWith("Invalid value for ThrottleBackoffInitial: 0 s.");
    }

    /** A public record's constructor is public, so it must reject what the builder rejects. */
    @Test
    void theConstructorRejectsWhatTheBuilderRejects() {
        Duration initial = Duration.ofMillis(500);
        Duration max = Duration.ofSeconds(10);

        assertThatThrownBy(() -> new KinesisSourceSettings(6, initial, max, null))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for GetRecordsPerSecondPerShard: 6. Expected an integer from 1 to 5.");
        assertThatThrownBy(() -> new KinesisSourceSettings(0, initial, max, null))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for GetRecordsPerSecondPerShard: 0. Expected an integer from 1 to 5.");
        assertThatThrownBy(() -> new KinesisSourceSettings(4, Duration.ZERO, max, null))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for ThrottleBackoffInitial: 0 s. Expected a duration from 1 ms to 1 min.");
        assertThatThrownBy(() -> new KinesisSourceSettings(4, null, max, null))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for ThrottleBackoffInitial: null. Expected a duration from 1 ms to 1 min.");
        assertThatThrownBy(() -> new KinesisSourceSettings(4, initial, Duration.ofMinutes(6), null))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for ThrottleBackoffMax: 6 min. Expected a duration from 1 ms to 5 min.");
        assertThatThrownBy(() -> new KinesisSourceSettings(4, Duration.ofSeconds(2), Duration.ofSeconds(1), null))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for ThrottleBackoffMax: 1 s. Expected at least ThrottleBackoffInitial (2 s).");
        assertThat(new KinesisSourceSettings(4, initial, max, null)).isEqualTo(KinesisSourceSettings.defaults());
    }

    @Test
    void anExplicitInvokeIdentityArnWins() {
        assertThat(KinesisSourceSettings.builder().invokeIdentityArn("arn:aws:iam::1:role/mine").build()
                .invokeIdentityArnFor("aws-cn", "2")).isEqualTo("arn:aws:iam::1:role/mine");
    }

    @Test
    void theReadmeListsEverySettingWithItsRangeAndDefault() throws IOException {
        String readme = Files.readString(Path.of("README.md"));

        assertThat(KinesisSourceSettings.ALL).allSatisfy(setting -> assertThat(readme).contains(setting.tableRow()));
    }

    public static void main(String[] args) {
        KinesisSourceSettings.ALL.forEach(setting -> System.out.println(setting.tableRow()));
    }
}

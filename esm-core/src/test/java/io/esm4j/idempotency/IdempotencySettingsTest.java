package io.esm4j.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class IdempotencySettingsTest {

    @Test
    void defaults() {
        IdempotencySettings settings = IdempotencySettings.defaults();

        assertThat(settings.completedTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(settings.inProgressExpiry()).isNull();
        assertThat(settings.payloadValidation()).isFalse();
        assertThat(settings.maxEntries()).isEqualTo(100_000);
    }

    @Test
    void theDefaultClaimLifetimeOnStreamsIsAMinuteOrThreeTimesFailoverTimeAndAMinuteOnKafka() {
        assertThat(IdempotencySettings.streamInProgressExpiry(Duration.ofSeconds(10))).isEqualTo(Duration.ofMinutes(1));
        assertThat(IdempotencySettings.streamInProgressExpiry(Duration.ofMillis(300))).isEqualTo(Duration.ofMinutes(1));
        assertThat(IdempotencySettings.streamInProgressExpiry(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(90));
        assertThat(IdempotencySettings.streamInProgressExpiry(Duration.ofMinutes(10)))
                .isEqualTo(Duration.ofMinutes(30));
        assertThat(IdempotencySettings.streamInProgressExpiry(null)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void valuesAtTheEdgesOfTheRangesAreAccepted() {
        IdempotencySettings low = IdempotencySettings.builder().completedTtl(Duration.ofSeconds(1))
                .inProgressExpiry(Duration.ofSeconds(1)).maxEntries(1).payloadValidation(true).build();
        IdempotencySettings high = IdempotencySettings.builder().completedTtl(Duration.ofDays(30))
                .inProgressExpiry(Duration.ofHours(12)).maxEntries(10_000_000).build();

        assertThat(low).isEqualTo(new IdempotencySettings(Duration.ofSeconds(1), Duration.ofSeconds(1), true, 1));
        assertThat(high.completedTtl()).isEqualTo(Duration.ofDays(30));
        assertThat(high.inProgressExpiry()).isEqualTo(Duration.ofHours(12));
    }

    @Test
    void completedTtlOutOfRange() {
        assertInvalid(IdempotencySettings.builder().completedTtl(Duration.ofMillis(999)),
                "Invalid value for CompletedTtl: 999 ms. Expected a duration from 1 s to 720 h.");
        assertInvalid(IdempotencySettings.builder().completedTtl(Duration.ofDays(31)),
                "Invalid value for CompletedTtl: 744 h. Expected a duration from 1 s to 720 h.");
        assertInvalid(IdempotencySettings.builder().completedTtl(null),
                "Invalid value for CompletedTtl: null. Expected a duration from 1 s to 720 h.");
    }

    @Test
    void inProgressExpiryOutOfRange() {
        assertInvalid(IdempotencySettings.builder().inProgressExpiry(Duration.ZERO),
                "Invalid value for InProgressExpiry: 0 s. Expected a duration from 1 s to 12 h.");
        assertInvalid(IdempotencySettings.builder().inProgressExpiry(Duration.ofHours(12).plusSeconds(1)),
                "Invalid value for InProgressExpiry: 43201 s. Expected a duration from 1 s to 12 h.");
    }

    @Test
    void maxEntriesOutOfRange() {
        assertInvalid(IdempotencySettings.builder().maxEntries(0),
                "Invalid value for MaxEntries: 0. Expected an integer from 1 to 10,000,000.");
        assertInvalid(IdempotencySettings.builder().maxEntries(10_000_001),
                "Invalid value for MaxEntries: 10000001. Expected an integer from 1 to 10,000,000.");
    }

    /** A public record's constructor is public, so it checks the values itself rather than leaving it to build(). */
    @Test
    void theConstructorRejectsWhatTheBuilderRejects() {
        assertThatThrownBy(() -> new IdempotencySettings(Duration.ofMillis(999), null, false, 1))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for CompletedTtl: 999 ms. Expected a duration from 1 s to 720 h.");
        assertThatThrownBy(() -> new IdempotencySettings(null, null, false, 1))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for CompletedTtl: null. Expected a duration from 1 s to 720 h.");
        assertThatThrownBy(() -> new IdempotencySettings(Duration.ofHours(1), Duration.ofNanos(999_999_999), false, 1))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for InProgressExpiry: 999.999999 ms. Expected a duration from 1 s to 12 h.");
        assertThatThrownBy(() -> new IdempotencySettings(Duration.ofHours(1), null, false, 0))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for MaxEntries: 0. Expected an integer from 1 to 10,000,000.");
    }

    @Test
    void inProgressExpiryCanBeResetToTheBatchDeadline() {
        IdempotencySettings settings = IdempotencySettings.builder().inProgressExpiry(Duration.ofMinutes(1))
                .inProgressExpiry(null).build();

        assertThat(settings.inProgressExpiry()).isNull();
    }

    @Test
    void theDocumentsSettingsTableIsTheOneTheConstantsDefine() throws IOException {
        String doc = Files.readString(Path.of("IDEMPOTENCY.md"));

        assertThat(IdempotencySettings.ALL).hasSize(4);
        for (Setting setting : Stream.concat(Stream.of(Idempotency.NAMESPACE), IdempotencySettings.ALL.stream())
                .toList()) {
            assertThat(doc).contains("| " + setting.name() + " | " + setting.range() + " | " + setting.defaultText()
                    + " | " + setting.description() + " |");
        }
    }

    private static void assertInvalid(IdempotencySettings.Builder builder, String message) {
        assertThatThrownBy(builder::build)
                .isInstanceOf(InvalidSettingException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }
}

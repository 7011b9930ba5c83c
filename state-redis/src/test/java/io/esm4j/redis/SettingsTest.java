package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void defaultsAreThoseTheReadmeNames() {
        assertThat(RedisIdempotencyStoreSettings.defaults())
                .isEqualTo(new RedisIdempotencyStoreSettings("esm4j:idempotency:", Duration.ofMinutes(5)));
        assertThat(RedisLeaseStoreSettings.defaults()).isEqualTo(new RedisLeaseStoreSettings("esm4j:leases:"));
    }

    @Test
    void valuesOutOfRangeAreRefusedWhenTheSettingsAreBuilt() {
        assertThatThrownBy(() -> RedisIdempotencyStoreSettings.builder().keyPrefix("p".repeat(201)).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for KeyPrefix: a prefix of 201 characters. Expected 0–200 characters.");
        assertThatThrownBy(() -> RedisIdempotencyStoreSettings.builder().cleanupDelay(Duration.ofDays(2)).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for CleanupDelay: 48 h. Expected a duration from 0 s to 24 h.");
        assertThatThrownBy(() -> RedisLeaseStoreSettings.builder().keyPrefix(null).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for KeyPrefix: null. Expected 0–200 characters.");
        assertThat(RedisIdempotencyStoreSettings.builder().keyPrefix("").cleanupDelay(Duration.ZERO).build())
                .isEqualTo(new RedisIdempotencyStoreSettings("", Duration.ZERO));
    }

    @Test
    void theReadmeListsEverySettingAsDefined() throws Exception {
        String readme = Files.readString(Path.of("README.md"));

        List<Setting> all = new ArrayList<>(RedisLeaseStoreSettings.ALL);
        all.addAll(RedisIdempotencyStoreSettings.ALL);

        assertThat(all).allSatisfy(setting -> assertThat(readme).contains(setting.tableRow()));
    }

    /** Prints the README's rows. */
    public static void main(String[] args) {
        RedisLeaseStoreSettings.ALL.forEach(setting -> System.out.println(setting.tableRow()));
        System.out.println();
        RedisIdempotencyStoreSettings.ALL.forEach(setting -> System.out.println(setting.tableRow()));
    }
}

package io.esm4j.dynamodb;

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
        assertThat(DynamoDbLeaseStoreSettings.defaults()).isEqualTo(new DynamoDbLeaseStoreSettings("esm4j-leases",
                true, Duration.ofMinutes(5), null));
        assertThat(DynamoDbIdempotencyStoreSettings.defaults()).isEqualTo(new DynamoDbIdempotencyStoreSettings(
                "esm4j-idempotency", true, Duration.ofMinutes(5), "ttl"));
    }

    @Test
    void aTableNameDynamoDbWouldRefuseIsRefusedWhenTheSettingsAreBuilt() {
        assertThatThrownBy(() -> DynamoDbLeaseStoreSettings.builder().tableName("my table").build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for TableName: 'my table'. Expected a DynamoDB table name: 3–255 "
                        + "characters of a–z, A–Z, 0–9, '_', '-', '.'.");
        assertThatThrownBy(() -> DynamoDbIdempotencyStoreSettings.builder().tableName("ab").build())
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("TableName: 'ab'");
    }

    @Test
    void theTtlAttributeCannotBeOneTheStoreWrites() {
        assertThatThrownBy(() -> DynamoDbIdempotencyStoreSettings.builder().timeToLiveAttribute("expiry").build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageStartingWith("Invalid value for TimeToLiveAttribute: 'expiry'. Expected an attribute name");
    }

    @Test
    void theReadmeListsEverySettingAsDefined() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<Setting> all = new ArrayList<>(DynamoDbLeaseStoreSettings.ALL);
        all.addAll(DynamoDbIdempotencyStoreSettings.ALL);

        assertThat(all).allSatisfy(setting -> assertThat(readme).contains(setting.tableRow()));
    }

    /** Prints the README's rows. */
    public static void main(String[] args) {
        DynamoDbLeaseStoreSettings.ALL.forEach(setting -> System.out.println(setting.tableRow()));
        System.out.println();
        DynamoDbIdempotencyStoreSettings.ALL.forEach(setting -> System.out.println(setting.tableRow()));
    }
}

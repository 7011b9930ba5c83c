package io.esm4j.dynamodb;

import io.esm4j.settings.Setting;
import io.esm4j.settings.Setting.DurationSetting;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where {@link DynamoDbLeaseStore} keeps its leases. Built with {@link #builder()}; every instance is valid: the
 * constructor rejects a value out of range with an {@link io.esm4j.settings.InvalidSettingException} naming the
 * setting, the value and what was expected.
 *
 * @param tableName            the lease table; several mappings (and several applications) can share one, since
 *                             each mapping name is its own partition
 * @param createTableIfMissing create the table on first use (on-demand billing) when it does not exist
 * @param tableActiveTimeout   how long the first call waits for a table being created to become ACTIVE
 * @param kclLeaseTable        a KCL 2.x/3.x application's lease table to continue from, or null: a shard without an
 *                             esm4j lease starts after that table's checkpoint for it
 */
public record DynamoDbLeaseStoreSettings(String tableName, boolean createTableIfMissing, Duration tableActiveTimeout,
                                         @Nullable String kclLeaseTable) {

    public static final Setting TABLE_NAME = new Setting.Described("TableName", TableNames.RANGE, "esm4j-leases",
            "The lease table: partition key mapping (S), sort key shardId (S). Mappings with the same name share "
                    + "leases (they are workers of one consumer); other mapping names are separate partitions.");
    public static final Setting CREATE_TABLE_IF_MISSING = new Setting.Described("CreateTableIfMissing",
            "true, false", "true", "Create the table on first use, on-demand (PAY_PER_REQUEST), and wait until it "
                    + "is ACTIVE. With false a missing table is an error naming it.");
    public static final DurationSetting TABLE_ACTIVE_TIMEOUT = new DurationSetting("TableActiveTimeout",
            Duration.ofSeconds(1), Duration.ofMinutes(30), Duration.ofMinutes(5),
            "How long the first call waits for a table that is being created to become ACTIVE.");
    public static final Setting KCL_LEASE_TABLE = new Setting.Described("KclLeaseTable", TableNames.RANGE + ", or none",
            "none", "A KCL 2.x/3.x lease table (key leaseKey = shard id). A shard that has no esm4j lease yet starts "
                    + "after that table's checkpoint for it instead of at the StartingPosition. Read only.");

    /** Every setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(TABLE_NAME, CREATE_TABLE_IF_MISSING, TABLE_ACTIVE_TIMEOUT,
            KCL_LEASE_TABLE);

    public DynamoDbLeaseStoreSettings {
        TableNames.check(TABLE_NAME.name(), tableName);
        TABLE_ACTIVE_TIMEOUT.check(tableActiveTimeout);
        if (kclLeaseTable != null) {
            TableNames.check(KCL_LEASE_TABLE.name(), kclLeaseTable);
            if (kclLeaseTable.equals(tableName)) {
                throw new io.esm4j.settings.InvalidSettingException(KCL_LEASE_TABLE.name(), "'" + kclLeaseTable + "'",
                        "a table other than TableName: esm4j's leases and the KCL's have different keys");
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static DynamoDbLeaseStoreSettings defaults() {
        return builder().build();
    }

    public Optional<String> kclLeaseTableName() {
        return Optional.ofNullable(kclLeaseTable);
    }

    public static final class Builder {
        private String tableName = TABLE_NAME.defaultText();
        private boolean createTableIfMissing = true;
        private Duration tableActiveTimeout = TABLE_ACTIVE_TIMEOUT.defaultValue();
        private @Nullable String kclLeaseTable;

        private Builder() {}

        public Builder tableName(String value) {
            this.tableName = value;
            return this;
        }

        public Builder createTableIfMissing(boolean value) {
            this.createTableIfMissing = value;
            return this;
        }

        public Builder tableActiveTimeout(Duration value) {
            this.tableActiveTimeout = value;
            return this;
        }

        /** Continue from a KCL application's lease table; null for none. */
        public Builder kclLeaseTable(@Nullable String value) {
            this.kclLeaseTable = value;
            return this;
        }

        public DynamoDbLeaseStoreSettings build() {
            return new DynamoDbLeaseStoreSettings(tableName, createTableIfMissing, tableActiveTimeout, kclLeaseTable);
        }
    }
}

package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.testsupport.RequiresNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * A mapping that names a KCL application's lease table continues after the KCL's checkpoints: the table here is
 * written in the KCL 2.x/3.x schema, as a KCL worker leaves it (key leaseKey = shard id).
 */
@RequiresNode
@ExtendWith(DynaliteExtension.class)
class KclMigrationTest {

    private static final String SEQUENCE = "49590338271490256608559692538361571095921575989136588898";
    private static Clients.Worker worker;
    private static String kclTable;

    @BeforeAll
    static void kclTable() {
        worker = Clients.worker();
        kclTable = Clients.table("kcl-app");
        worker.client().createTable(r -> r.tableName(kclTable).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("leaseKey").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("leaseKey").keyType(KeyType.HASH)));
        // dynalite answers CreateTable while the table is still CREATING; a write before ACTIVE is refused.
        worker.client().waiter().waitUntilTableExists(r -> r.tableName(kclTable));
        kclLease("shard-plain", SEQUENCE, 0);
        kclLease("shard-aggregate", SEQUENCE, 3);
        kclLease("shard-ended", "SHARD_END", 0);
        kclLease("shard-new", "TRIM_HORIZON", 0);
        kclLease("shard-at-timestamp", "AT_TIMESTAMP", 0);
    }

    @AfterAll
    static void disconnect() {
        worker.close();
    }

    /** An item as a KCL worker writes it, with the attributes esm4j does not read as well. */
    private static void kclLease(String shardId, String checkpoint, long subSequence) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("leaseKey", AttributeValue.fromS(shardId));
        item.put("checkpoint", AttributeValue.fromS(checkpoint));
        item.put("checkpointSubSequenceNumber", AttributeValue.fromN(Long.toString(subSequence)));
        item.put("leaseOwner", AttributeValue.fromS("kcl-worker-1"));
        item.put("leaseCounter", AttributeValue.fromN("912"));
        item.put("ownerSwitchesSinceCheckpoint", AttributeValue.fromN("0"));
        item.put("parentShardId", AttributeValue.fromSs(List.of("shard-0")));
        worker.client().putItem(r -> r.tableName(kclTable).item(item));
    }

    private static DynamoDbLeaseStore store(String kcl) {
        return new DynamoDbLeaseStore(worker.client(), DynamoDbLeaseStoreSettings.builder()
                .tableName(Clients.table("migrated")).kclLeaseTable(kcl).build());
    }

    @Test
    void newLeasesStartAfterTheKclsCheckpointOrElseWhereTheMappingStarts() {
        DynamoDbLeaseStore store = store(kclTable);
        for (String shard : List.of("shard-plain", "shard-aggregate", "shard-ended", "shard-new",
                "shard-at-timestamp", "shard-the-kcl-never-saw")) {
            assertThat(store.create(Lease.unowned("orders", shard, Checkpoint.Latest.INSTANCE, List.of("p"))))
                    .isTrue();
        }

        Map<String, Lease> leases = store.list("orders").stream()
                .collect(Collectors.toMap(Lease::shardId, lease -> lease));

        // (S, 0) is a plain record or the first user record of an aggregate: S/0 resumes after either.
        assertThat(leases.get("shard-plain").checkpoint()).isEqualTo(new Checkpoint.AtSequenceNumber(SEQUENCE + "/0"));
        assertThat(leases.get("shard-aggregate").checkpoint())
                .isEqualTo(new Checkpoint.AtSequenceNumber(SEQUENCE + "/3"));
        assertThat(leases.get("shard-ended").checkpoint()).isEqualTo(Checkpoint.ShardEnd.INSTANCE);
        assertThat(leases.get("shard-new").checkpoint()).isEqualTo(Checkpoint.TrimHorizon.INSTANCE);
        // The KCL keeps AT_TIMESTAMP's instant in its configuration, not in the table: the mapping's own start.
        assertThat(leases.get("shard-at-timestamp").checkpoint()).isEqualTo(Checkpoint.Latest.INSTANCE);
        assertThat(leases.get("shard-the-kcl-never-saw").checkpoint()).isEqualTo(Checkpoint.Latest.INSTANCE);
        // Only the checkpoint comes from the KCL: esm4j's lease is otherwise new and unowned.
        assertThat(leases.get("shard-plain")).isEqualTo(new Lease("orders", "shard-plain", null, 0,
                new Checkpoint.AtSequenceNumber(SEQUENCE + "/0"), List.of("p"), 0));
    }

    @Test
    void anEsm4jLeaseAlreadyThereWins() {
        String table = Clients.table("migrated");
        DynamoDbLeaseStore before = new DynamoDbLeaseStore(worker.client(), DynamoDbLeaseStoreSettings.builder()
                .tableName(table).build());
        before.create(Lease.unowned("orders", "shard-plain", new Checkpoint.AtSequenceNumber("7"), List.of()));
        DynamoDbLeaseStore migrating = new DynamoDbLeaseStore(worker.client(), DynamoDbLeaseStoreSettings.builder()
                .tableName(table).kclLeaseTable(kclTable).build());

        assertThat(migrating.create(Lease.unowned("orders", "shard-plain", Checkpoint.Latest.INSTANCE, List.of())))
                .isFalse();
        assertThat(migrating.list("orders")).extracting(Lease::checkpoint)
                .containsExactly(new Checkpoint.AtSequenceNumber("7"));
    }

    @Test
    void aMissingKclTableIsAnErrorNamingIt() {
        DynamoDbLeaseStore store = store("no-such-kcl-app");

        assertThatThrownBy(() -> store.create(Lease.unowned("orders", "s", Checkpoint.Latest.INSTANCE, List.of())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The KCL lease table 'no-such-kcl-app' (KclLeaseTable) does not exist.");
    }

    @Test
    void theKclTableCannotBeTheLeaseTableItself() {
        assertThatThrownBy(() -> DynamoDbLeaseStoreSettings.builder().tableName("app").kclLeaseTable("app").build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for KclLeaseTable: 'app'. Expected a table other than TableName: esm4j's "
                        + "leases and the KCL's have different keys.");
    }
}

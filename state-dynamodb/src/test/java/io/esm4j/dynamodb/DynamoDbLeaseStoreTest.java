package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.dynamodb.FaultyHttpClient.Fault;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.testsupport.RequiresNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** What only the DynamoDB store has: its table, its item format, and how it meets DynamoDB's failures. */
@RequiresNode
@ExtendWith(DynaliteExtension.class)
class DynamoDbLeaseStoreTest {

    private static Clients.Worker worker;

    @BeforeAll
    static void connect() {
        worker = Clients.worker();
    }

    @AfterAll
    static void disconnect() {
        worker.close();
    }

    private static DynamoDbLeaseStore store(String table) {
        return new DynamoDbLeaseStore(worker.client(), DynamoDbLeaseStoreSettings.builder().tableName(table).build());
    }

    private static Lease unowned(String shardId) {
        return Lease.unowned("m", shardId, Checkpoint.TrimHorizon.INSTANCE, List.of("parent-1"));
    }

    @Test
    void firstUseCreatesTheTableOnDemandWithMappingAndShardIdAsItsKey() {
        String table = Clients.table("created");
        DynamoDbLeaseStore store = store(table);

        assertThat(store.list("m")).isEmpty();

        TableDescription description = worker.client().describeTable(r -> r.tableName(table)).table();
        assertThat(description.keySchema()).extracting(k -> k.attributeName() + " " + k.keyType())
                .containsExactly("mapping HASH", "shardId RANGE");
        assertThat(description.billingModeSummary().billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
        // A second store (another worker starting) finds the table and uses it.
        assertThat(store(table).create(unowned("s1"))).isTrue();
        assertThat(store.list("m")).hasSize(1);
    }

    @Test
    void aTableWithAnotherKeyIsRefusedWithBothKeysNamed() {
        String table = Clients.table("kcl-like");
        worker.client().createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("leaseKey").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("leaseKey").keyType(KeyType.HASH)));

        assertThatThrownBy(() -> store(table).list("m")).isInstanceOf(IllegalStateException.class)
                .hasMessage("The lease table '" + table + "' exists with the key [leaseKey (HASH, S)], but esm4j "
                        + "expects [mapping (HASH, S), shardId (RANGE, S)]. It belongs to something else (a KCL lease "
                        + "table has the key leaseKey (HASH, S)); choose another table name for esm4j.");
    }

    @Test
    void aMissingTableIsAnErrorWhenTheStoreMayNotCreateIt() {
        String table = Clients.table("missing");
        DynamoDbLeaseStore store = new DynamoDbLeaseStore(worker.client(), DynamoDbLeaseStoreSettings.builder()
                .tableName(table).createTableIfMissing(false).build());

        assertThatThrownBy(() -> store.list("m")).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The lease table '" + table + "' does not exist, and CreateTableIfMissing is "
                        + "false. Expected a table with the key [mapping (HASH, S), shardId (RANGE, S)]");
    }

    @Test
    void itemsUseTheKclsAttributeNamesAndAnUnownedLeaseHasNoOwnerAttribute() {
        String table = Clients.table("items");
        DynamoDbLeaseStore store = store(table);
        store.create(unowned("s1"));
        Lease held = ((LeaseWrite.Written) store.take(unowned("s1"), "w1")).lease();
        store.checkpoint(held, new Checkpoint.AtSequenceNumber("4959/2"));
        store.requestHandoff(held, "w2");
        store.create(unowned("s2"));

        Map<String, AttributeValue> s1 = item(table, "s1");
        assertThat(s1).containsEntry("leaseOwner", AttributeValue.fromS("w1"))
                .containsEntry("handoffTo", AttributeValue.fromS("w2"))
                .containsEntry("leaseCounter", AttributeValue.fromN("1"))
                .containsEntry("checkpoint", AttributeValue.fromS("4959/2"))
                .containsEntry("ownerSwitchesSinceCheckpoint", AttributeValue.fromN("0"))
                .containsEntry("parentShardIds", AttributeValue.fromL(List.of(AttributeValue.fromS("parent-1"))));
        assertThat(item(table, "s2")).doesNotContainKey("leaseOwner").doesNotContainKey("handoffTo")
                .containsEntry("checkpoint", AttributeValue.fromS("TRIM_HORIZON"));
    }

    @Test
    void aRenewalRecordsTheHoldersFailoverTimeWhichIsBelievedOnlyAtTheCounterItWasWrittenWith() {
        String table = Clients.table("failover");
        DynamoDbLeaseStore store = store(table);
        // As an older version writes it: no FailoverTime attributes. It reads as unknown.
        store.create(unowned("s1"));
        Lease taken = ((LeaseWrite.Written) store.take(unowned("s1"), "w1")).lease();
        assertThat(taken.ownerFailoverTime()).isNull();
        assertThat(store.list("m")).singleElement().satisfies(l -> assertThat(l.ownerFailoverTime()).isNull());

        Lease renewed = ((LeaseWrite.Written) store.renew(taken.stating(Duration.ofSeconds(10)))).lease();
        assertThat(renewed.ownerFailoverTime()).isEqualTo(Duration.ofSeconds(10));
        assertThat(item(table, "s1")).containsEntry("ownerFailoverTimeMs", AttributeValue.fromN("10000"))
                .containsEntry("ownerFailoverTimeCounter", AttributeValue.fromN("2"));
        Lease checkpointed = ((LeaseWrite.Written) store.checkpoint(renewed, new Checkpoint.AtSequenceNumber("7")))
                .lease();
        assertThat(checkpointed.ownerFailoverTime()).isEqualTo(Duration.ofSeconds(10));
        assertThat(store.list("m")).singleElement()
                .satisfies(l -> assertThat(l.ownerFailoverTime()).isEqualTo(Duration.ofSeconds(10)));

        // A worker of an older version takes the lease (after w1 stopped renewing) and renews it: its UpdateItems set
        // owner and counter only and keep the attributes they do not know. The value is w1's, not w3's.
        worker.client().updateItem(r -> r.tableName(table).key(LeaseItems.key("m", "s1"))
                .updateExpression("SET leaseOwner = :w3, leaseCounter = :c")
                .expressionAttributeValues(Map.of(":w3", AttributeValue.fromS("w3"), ":c", AttributeValue.fromN("3"))));
        assertThat(item(table, "s1")).containsKey("ownerFailoverTimeMs");
        Lease olderVersions = store.list("m").getFirst();
        assertThat(olderVersions.owner()).isEqualTo("w3");
        assertThat(olderVersions.ownerFailoverTime()).isNull();

        // A take by this version clears them; a renewal stating none leaves none.
        Lease retaken = ((LeaseWrite.Written) store.take(olderVersions, "w1")).lease();
        assertThat(item(table, "s1")).doesNotContainKeys("ownerFailoverTimeMs", "ownerFailoverTimeCounter");
        assertThat(((LeaseWrite.Written) store.renew(retaken.stating(null))).lease().ownerFailoverTime()).isNull();
        assertThat(item(table, "s1")).doesNotContainKeys("ownerFailoverTimeMs", "ownerFailoverTimeCounter");
    }

    @Test
    void aSequenceNumberThatReadsAsAStartingPositionIsRefused() {
        DynamoDbLeaseStore store = store(Clients.table("sentinel"));
        store.create(unowned("s1"));
        Lease held = ((LeaseWrite.Written) store.take(unowned("s1"), "w1")).lease();

        assertThatThrownBy(() -> store.checkpoint(held, new Checkpoint.AtSequenceNumber("LATEST")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("A sequence number cannot be 'LATEST'");
    }

    /** An item something else wrote into the mapping's partition: the error names it, the attribute and the value. */
    @Test
    void anItemEsm4jDidNotWriteIsAnErrorNamingItsKeyTheAttributeAndTheValueFound() {
        String table = Clients.table("foreign");
        DynamoDbLeaseStore store = store(table);
        store.create(unowned("s1"));
        worker.client().updateItem(r -> r.tableName(table).key(Map.of("mapping", AttributeValue.fromS("m"),
                        "shardId", AttributeValue.fromS("s1"))).updateExpression("SET leaseCounter = :text")
                .expressionAttributeValues(Map.of(":text", AttributeValue.fromS("seven"))));

        assertThatThrownBy(() -> store.list("m")).isInstanceOf(IllegalStateException.class)
                .hasMessage("Lease item mapping 'm', shardId 's1' in table '" + table + "' has a missing or malformed "
                        + "attribute leaseCounter: found S 'seven', expected a whole number (N); was it written by "
                        + "something other than esm4j?");
    }

    @Test
    void aRenewalWhoseResponseWasLostIsRecognisedWhenTheSdkRetriesIt() {
        try (Clients.Worker faulty = Clients.worker()) {
            DynamoDbLeaseStore store = new DynamoDbLeaseStore(faulty.client(),
                    DynamoDbLeaseStoreSettings.builder().tableName(Clients.table("lost-response")).build());
            store.create(unowned("s1"));
            Lease held = ((LeaseWrite.Written) store.take(unowned("s1"), "w1")).lease();
            AtomicInteger updates = new AtomicInteger();
            faulty.network().policy((operation, n) -> operation.equals("UpdateItem") && updates.incrementAndGet() == 1
                    ? Fault.RESPONSE_LOST : Fault.NONE);

            LeaseWrite renewed = store.renew(held);

            assertThat(faulty.network().injected()).isEqualTo(1);
            assertThat(renewed).isEqualTo(new LeaseWrite.Written(new Lease("m", "s1", "w1", 2,
                    Checkpoint.TrimHorizon.INSTANCE, List.of("parent-1"), 1)));
        }
    }

    /**
     * A checkpoint request held up in the network reaches DynamoDB after the SDK gave up on it, retried it (made), and
     * the holder wrote a newer checkpoint. Both carry the holder's owner and counter, which a checkpoint leaves alone:
     * the late copy must not move the checkpoint back.
     */
    @Test
    void aLateCopyOfAnOlderCheckpointWriteDoesNotMoveTheCheckpointBack() throws Exception {
        try (Clients.Worker faulty = Clients.worker()) {
            DynamoDbLeaseStore store = new DynamoDbLeaseStore(faulty.client(),
                    DynamoDbLeaseStoreSettings.builder().tableName(Clients.table("late-copy")).build());
            store.create(unowned("s1"));
            Lease held = ((LeaseWrite.Written) store.take(unowned("s1"), "w1")).lease();
            AtomicInteger updates = new AtomicInteger();
            faulty.network().policy((operation, n) -> operation.equals("UpdateItem") && updates.incrementAndGet() == 1
                    ? Fault.DELAYED : Fault.NONE);

            Lease first = ((LeaseWrite.Written) store.checkpoint(held, new Checkpoint.AtSequenceNumber("100")))
                    .lease();
            Lease second = ((LeaseWrite.Written) store.checkpoint(first, new Checkpoint.AtSequenceNumber("200")))
                    .lease();
            // The late copy fails its condition (400 ConditionalCheckFailedException); its caller is long gone.
            assertThat(faulty.network().deliverHeld()).containsExactly(400);

            assertThat(second.checkpoint()).isEqualTo(new Checkpoint.AtSequenceNumber("200"));
            assertThat(store.list("m")).containsExactly(second);
            // The holder's writes go on; a new owner's checkpoints are not held to the old holder's order.
            Lease renewed = ((LeaseWrite.Written) store.renew(second)).lease();
            assertThat(store.checkpoint(renewed, new Checkpoint.AtSequenceNumber("300")))
                    .isInstanceOf(LeaseWrite.Written.class);
        }
    }

    @Test
    void throttlingAndServerErrorsAreRetriedByTheSdk() {
        try (Clients.Worker faulty = Clients.worker()) {
            DynamoDbLeaseStore store = new DynamoDbLeaseStore(faulty.client(),
                    DynamoDbLeaseStoreSettings.builder().tableName(Clients.table("retried")).build());
            store.create(unowned("s1"));
            // Every other request fails before it reaches the server, alternately throttled and a 500.
            faulty.network().policy((operation, n) -> n % 2 == 0 ? (n % 4 == 0 ? Fault.THROTTLE : Fault.SERVER_ERROR)
                    : Fault.NONE);

            Lease held = ((LeaseWrite.Written) store.take(unowned("s1"), "w1")).lease();
            held = ((LeaseWrite.Written) store.renew(held)).lease();
            held = ((LeaseWrite.Written) store.checkpoint(held, new Checkpoint.AtSequenceNumber("7"))).lease();

            assertThat(store.list("m")).containsExactly(held);
            assertThat(faulty.network().injected()).isGreaterThanOrEqualTo(3);
        }
    }

    private static Map<String, AttributeValue> item(String table, String shardId) {
        return worker.client().getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("mapping", AttributeValue.fromS("m"), "shardId", AttributeValue.fromS(shardId)))).item();
    }
}

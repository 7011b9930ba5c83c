package io.esm4j.worker.mappings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.dynamodb.DynamoDbLeaseStore;
import io.esm4j.dynamodb.DynamoDbLeaseStoreSettings;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.testsupport.Dynalite;
import io.esm4j.testsupport.RequiresNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The mapping stores' compare-and-set on DynamoDB (dynalite): the shared contract on a table of each test's own, a
 * claim a crashed worker left behind, one table for leases and mappings; and the file store's own compare-and-set.
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoDbMappingStoreTest extends SharedMappingStoreContract {

    /** Source and function pairs as a worker in us-east-1 tells them apart. */
    private static final SourcePairs PAIRS = new SourcePairs("us-east-1");

    private Dynalite dynalite;
    private DynamoDbClient client;
    private String table;

    @BeforeAll
    void start() throws Exception {
        dynalite = Dynalite.start();
        client = DynamoDbClient.builder().endpointOverride(dynalite.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
    }

    @BeforeEach
    void freshTable() {
        table = "esm4j-mappings-" + UUID.randomUUID();
    }

    @Override
    protected MappingStore workerStore() {
        return new DynamoDbMappingStore(client, table, PAIRS);
    }

    @AfterAll
    void stop() {
        try {
            client.close();
        } finally {
            dynalite.close();
        }
    }

    @Test
    void aClaimLeftByACrashIsTakenOverOnceItsGraceIsOver() throws Exception {
        String table = "esm4j-mappings-stale-claim";
        Instant claimed = Instant.parse("2026-12-01T10:00:00Z");
        MappingStore store = new DynamoDbMappingStore(client, table, PAIRS,
                Clock.fixed(claimed.plus(SourceClaims.GRACE), ZoneOffset.UTC));
        store.load();
        // A worker that claimed the pair and died before writing its mapping.
        new SourceClaims(client, table, uuid -> null, PAIRS, Clock.fixed(claimed, ZoneOffset.UTC))
                .claim("uuid-ghost", mapping("x", "payments", "f").spec());

        store.create(mapping("uuid-live", "payments", "f"));

        assertThat(store.load()).extracting(MappingStore.Stored::uuid).containsExactly("uuid-live");
        assertThatThrownBy(() -> store.create(mapping("uuid-other", "payments", "f")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-live");
    }

    /**
     * Claimed, the mapping not written yet: what a crash leaves, and also what a worker in the middle of a create looks
     * like. Taken over then, both workers would write their mapping of the pair.
     */
    @Test
    void aClaimWhoseMappingIsStillBeingWrittenIsNotTakenOver() throws Exception {
        String table = "esm4j-mappings-claim-in-flight";
        Instant claimed = Instant.parse("2026-12-01T10:00:00Z");
        Clock later = Clock.fixed(claimed.plus(SourceClaims.GRACE).minusMillis(1), ZoneOffset.UTC);
        DynamoDbMappingStore creating = new DynamoDbMappingStore(client, table, PAIRS,
                Clock.fixed(claimed, ZoneOffset.UTC));
        MappingStore other = new DynamoDbMappingStore(client, table, PAIRS, later);
        other.load();
        MappingStore.Stored first = mapping("uuid-first", "payments", "f");
        new SourceClaims(client, table, uuid -> null, PAIRS, Clock.fixed(claimed, ZoneOffset.UTC))
                .claim(first.uuid(), first.spec());

        assertThatThrownBy(() -> other.create(mapping("uuid-second", "payments", "f")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-first, not written yet")
                .hasMessageContaining("lapses at " + claimed.plus(SourceClaims.GRACE));
        creating.create(first);
        assertThat(other.load()).extracting(MappingStore.Stored::uuid).containsExactly("uuid-first");

        // An update moving a mapping onto a pair claims it before it writes: the same window.
        MappingStore.Stored moving = mapping("uuid-moving", "payments", "g");
        creating.create(moving);
        new SourceClaims(client, table, uuid -> null, PAIRS, Clock.fixed(claimed, ZoneOffset.UTC))
                .claim(moving.uuid(), mapping("uuid-moving", "payments", "h").spec());
        assertThatThrownBy(() -> other.create(mapping("uuid-third", "payments", "h")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-moving, not written yet");
    }

    @Test
    void theFileStoreRefusesStaleWritesAndKeepsRevisions() throws Exception {
        Path directory = Files.createTempDirectory("esm4j-file-store");
        MappingStore store = new FileMappingStore(directory, PAIRS);
        MappingStore.Stored created = mapping("uuid-3", 5);
        store.create(created);
        store.replace(created, created.next(mapping("uuid-3", 6).spec(), Instant.ofEpochMilli(2_000)));

        assertThatThrownBy(() -> store.replace(created, created.next(created.spec(), Instant.now())))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("revision 2, expected 1");
        assertThatThrownBy(() -> store.delete(created)).isInstanceOf(MappingConflictException.class);
        assertThat(new FileMappingStore(directory, PAIRS).load()).singleElement().satisfies(stored -> {
            assertThat(stored.revision()).isEqualTo(2);
            assertThat(stored.spec().integer("BatchSize")).isEqualTo(6);
        });
    }

    /** An item edited by hand: the error names the table and the attribute, not a NullPointerException. */
    @Test
    void aMappingItemWithoutItsRequestIsNamedWhenLoaded() throws Exception {
        String table = "esm4j-mappings-hand-edited";
        MappingStore store = new DynamoDbMappingStore(client, table, PAIRS);
        store.create(mapping("uuid-edited", 3));
        client.updateItem(r -> r.tableName(table).key(Map.of("mapping",
                AttributeValue.fromS(DynamoDbMappingStore.PARTITION), "shardId", AttributeValue.fromS("uuid-edited")))
                .updateExpression("REMOVE #request").expressionAttributeNames(Map.of("#request", "request")));

        assertThatThrownBy(store::load).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("in the table " + table + " has no request attribute");
    }

    @Test
    void oneTableHoldsLeasesAndMappings() throws Exception {
        String table = "esm4j-leases-and-mappings";
        DynamoDbLeaseStore leases = new DynamoDbLeaseStore(client, DynamoDbLeaseStoreSettings.builder()
                .tableName(table).build());
        MappingStore mappings = new DynamoDbMappingStore(client, table, PAIRS);
        mappings.create(mapping("uuid-2", 3));
        assertThat(leases.create(Lease.unowned("uuid-2", "shardId-000000000000", Checkpoint.TrimHorizon.INSTANCE,
                List.of()))).isTrue();

        assertThat(mappings.load()).extracting(MappingStore.Stored::uuid).containsExactly("uuid-2");
        assertThat(leases.list("uuid-2")).extracting(Lease::shardId).containsExactly("shardId-000000000000");
    }
}

package io.esm4j.worker.mappings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.dynamodb.DynamoDbLeaseStore;
import io.esm4j.dynamodb.DynamoDbLeaseStoreSettings;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.testsupport.Dynalite;
import io.esm4j.testsupport.RequiresNode;
import io.esm4j.worker.config.MappingSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The mapping stores' compare-and-set: two workers' stores on one DynamoDB table (dynalite) never overwrite each
 * other's change, and the file store behaves the same.
 */
@RequiresNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoDbMappingStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Dynalite dynalite;
    private DynamoDbClient client;

    @BeforeAll
    void start() throws Exception {
        dynalite = Dynalite.start();
        client = DynamoDbClient.builder().endpointOverride(dynalite.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"))).build();
    }

    @AfterAll
    void stop() {
        try {
            client.close();
        } finally {
            dynalite.close();
        }
    }

    private static MappingStore.Stored mapping(String uuid, int batchSize) throws Exception {
        return new MappingStore.Stored(uuid, 1, Instant.ofEpochMilli(1_000), MappingSpec.of(JSON.readTree(
                "{\"EventSourceArn\": \"arn:aws:sqs:us-east-1:123456789012:q\", \"FunctionName\": \"f\", "
                        + "\"BatchSize\": " + batchSize + "}"), ""));
    }

    @Test
    void twoWorkersStoresOnOneTableRefuseStaleWrites() throws Exception {
        MappingStore first = new DynamoDbMappingStore(client, "esm4j-mappings-stale");
        MappingStore second = new DynamoDbMappingStore(client, "esm4j-mappings-stale");
        MappingStore.Stored created = mapping("uuid-1", 5);
        first.create(created);
        assertThatThrownBy(() -> second.create(created)).isInstanceOf(MappingConflictException.class)
                .hasMessageContaining("uuid-1 already exists");
        assertThat(second.load()).singleElement().satisfies(stored -> {
            assertThat(stored.uuid()).isEqualTo("uuid-1");
            assertThat(stored.revision()).isEqualTo(1);
            assertThat(stored.lastModified()).isEqualTo(created.lastModified());
            assertThat(stored.spec().toJson()).isEqualTo(created.spec().toJson());
        });

        MappingStore.Stored seenByBoth = second.load().getFirst();
        MappingStore.Stored bySecond = seenByBoth.next(mapping("uuid-1", 7).spec(), Instant.ofEpochMilli(2_000));
        second.replace(seenByBoth, bySecond);

        MappingStore.Stored byFirst = seenByBoth.next(mapping("uuid-1", 9).spec(), Instant.ofEpochMilli(3_000));
        assertThatThrownBy(() -> first.replace(seenByBoth, byFirst)).isInstanceOf(MappingConflictException.class)
                .hasMessageContaining("changed or deleted through another worker").hasMessageContaining("revision 1");
        assertThatThrownBy(() -> first.delete(seenByBoth)).isInstanceOf(MappingConflictException.class);
        assertThat(first.load()).singleElement().satisfies(stored -> {
            assertThat(stored.revision()).isEqualTo(2);
            assertThat(stored.spec().integer("BatchSize")).isEqualTo(7);
        });

        first.delete(first.load().getFirst());
        assertThat(second.load()).isEmpty();
        assertThatThrownBy(() -> second.replace(bySecond, bySecond.next(bySecond.spec(), Instant.now())))
                .isInstanceOf(MappingConflictException.class);
    }

    private static MappingStore.Stored mapping(String uuid, String queue, String function) throws Exception {
        return new MappingStore.Stored(uuid, 1, Instant.ofEpochMilli(1_000), MappingSpec.of(JSON.readTree(
                "{\"EventSourceArn\": \"arn:aws:sqs:us-east-1:123456789012:" + queue + "\", \"FunctionName\": \""
                        + function + "\"}"), ""));
    }

    @Test
    void twoWorkersCannotMapTheSameSourceAndFunction() throws Exception {
        String table = "esm4j-mappings-pairs";
        MappingStore first = new DynamoDbMappingStore(client, table);
        MappingStore second = new DynamoDbMappingStore(client, table);
        MappingStore.Stored a = mapping("uuid-a", "orders", "f");
        first.create(a);

        assertThatThrownBy(() -> second.create(mapping("uuid-b", "orders", "f")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("already exists")
                .hasMessageContaining("uuid-a");
        second.create(mapping("uuid-b", "orders", "g"));

        first.delete(a);
        MappingStore.Stored c = mapping("uuid-c", "orders", "f");
        second.create(c);

        // An update to another function moves the claim: the old pair is free, the new one is taken.
        second.replace(c, c.next(mapping("uuid-c", "orders", "h").spec(), Instant.ofEpochMilli(2_000)));
        first.create(mapping("uuid-d", "orders", "f"));
        assertThatThrownBy(() -> first.create(mapping("uuid-e", "orders", "h")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-c");
        assertThat(first.load()).extracting(MappingStore.Stored::uuid)
                .containsExactlyInAnyOrder("uuid-b", "uuid-c", "uuid-d");
    }

    @Test
    void aClaimLeftByACrashIsTakenOver() throws Exception {
        String table = "esm4j-mappings-stale-claim";
        MappingStore store = new DynamoDbMappingStore(client, table);
        store.load();
        // A worker that claimed the pair and died before writing its mapping.
        new SourceClaims(client, table, uuid -> null).claim("uuid-ghost", mapping("x", "payments", "f").spec());

        store.create(mapping("uuid-live", "payments", "f"));

        assertThat(store.load()).extracting(MappingStore.Stored::uuid).containsExactly("uuid-live");
        assertThatThrownBy(() -> store.create(mapping("uuid-other", "payments", "f")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-live");
    }

    @Test
    void theFileStoreRefusesStaleWritesAndKeepsRevisions() throws Exception {
        Path directory = Files.createTempDirectory("esm4j-file-store");
        MappingStore store = new FileMappingStore(directory);
        MappingStore.Stored created = mapping("uuid-3", 5);
        store.create(created);
        store.replace(created, created.next(mapping("uuid-3", 6).spec(), Instant.ofEpochMilli(2_000)));

        assertThatThrownBy(() -> store.replace(created, created.next(created.spec(), Instant.now())))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("revision 2, expected 1");
        assertThatThrownBy(() -> store.delete(created)).isInstanceOf(MappingConflictException.class);
        assertThat(new FileMappingStore(directory).load()).singleElement().satisfies(stored -> {
            assertThat(stored.revision()).isEqualTo(2);
            assertThat(stored.spec().integer("BatchSize")).isEqualTo(6);
        });
    }

    @Test
    void oneTableHoldsLeasesAndMappings() throws Exception {
        String table = "esm4j-leases-and-mappings";
        DynamoDbLeaseStore leases = new DynamoDbLeaseStore(client, DynamoDbLeaseStoreSettings.builder()
                .tableName(table).build());
        MappingStore mappings = new DynamoDbMappingStore(client, table);
        mappings.create(mapping("uuid-2", 3));
        assertThat(leases.create(Lease.unowned("uuid-2", "shardId-000000000000", Checkpoint.TrimHorizon.INSTANCE,
                List.of()))).isTrue();

        assertThat(mappings.load()).extracting(MappingStore.Stored::uuid).containsExactly("uuid-2");
        assertThat(leases.list("uuid-2")).extracting(Lease::shardId).containsExactly("shardId-000000000000");
    }
}

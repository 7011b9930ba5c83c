package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.dynamodb.DynamoDbLeaseStore;
import io.esm4j.dynamodb.DynamoDbLeaseStoreSettings;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.lease.Checkpoint;
import io.esm4j.testing.RecordingHandler;
import io.esm4j.testsupport.Dynalite;
import io.esm4j.testsupport.RequiresNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The source with state-dynamodb's lease store (on dynalite, started once for the class): two mappings share a
 * 4-shard stream through one lease table while it rolls over, and a third one started later resumes from the stored
 * checkpoints. Without Node.js it is skipped with one log line, except with CI=true ({@link RequiresNode}).
 */
@RequiresNode
class DurableLeasesTest extends WireFixture {

    private static Dynalite dynalite;
    private static DynamoDbClient leaseClient;

    @BeforeAll
    static void startDynalite() throws Exception {
        dynalite = Dynalite.start();
        leaseClient = DynamoDbClient.builder().endpointOverride(dynalite.endpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .credentialsProvider(TestClients.CREDENTIALS).build();
    }

    @AfterAll
    static void stopDynalite() {
        try {
            if (leaseClient != null) {
                leaseClient.close();
            }
        } finally {
            if (dynalite != null) {
                dynalite.close();
            }
        }
    }

    @Test
    void twoMappingsShareTheStreamThroughTheDynamoDbLeaseTableAndAThirdResumesFromItsCheckpoints()
            throws InterruptedException {
        TestTable table = newTable(4);
        DynamoDbLeaseStore leases = new DynamoDbLeaseStore(leaseClient, DynamoDbLeaseStoreSettings.builder()
                .tableName("esm4j-ddb-leases").build());
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        List<EventSourceMapping<DynamoDbRecord>> first = new ArrayList<>();
        for (String worker : List.of("w1", "w2")) {
            first.add(start(mapping("durable", source(table), handler).leaseStore(leases).workerId(worker)
                    .settings(fast().checkpointInterval(Duration.ofMillis(100)).build())));
        }
        List<TestTable.Written> written = new ArrayList<>(writeNumbered(table, 0, 200, 20));
        eventually().until(() -> handler.succeededCount() >= 100);
        table.rollover();
        written.addAll(writeNumbered(table, 200, 200, 20));
        eventually().until(() -> handler.succeededPayloads().stream().map(DynamoDbRecord::eventID).distinct().count()
                >= 400);
        // Every open shard's lease holds the checkpoint of its last record before the two stop.
        Map<String, String> lastOfShard = new HashMap<>();
        written.forEach(w -> lastOfShard.put(w.shardId(), w.sequenceNumber()));
        for (String shard : table.openShardIds()) {
            Checkpoint expected = new Checkpoint.AtSequenceNumber(lastOfShard.get(shard));
            eventually().until(() -> leases.list("durable").stream().anyMatch(l -> l.shardId().equals(shard)
                    && l.checkpoint().equals(expected)));
        }
        for (EventSourceMapping<DynamoDbRecord> mapping : first) {
            mapping.stop(Duration.ofSeconds(10));
        }

        RecordingHandler<DynamoDbRecord> later = RecordingHandler.<DynamoDbRecord>succeeding();
        start(mapping("durable", source(table), later).leaseStore(leases).workerId("w3").settings(fast().build()));
        List<TestTable.Written> more = writeNumbered(table, 400, 40, 20);
        eventually().until(() -> later.succeededPayloads().stream().map(DynamoDbRecord::eventID).distinct().count()
                >= 40);
        assertThat(handler.succeededPayloads().stream().map(DynamoDbRecord::eventID).distinct().toList())
                .containsExactlyInAnyOrderElementsOf(written.stream().map(TestTable.Written::eventId).toList());
        // w3 starts at the stored checkpoints: what the first two handled and checkpointed is not read again.
        assertThat(later.succeededPayloads()).extracting(DynamoDbRecord::eventID)
                .containsExactlyInAnyOrderElementsOf(more.stream().map(TestTable.Written::eventId).toList());
    }
}

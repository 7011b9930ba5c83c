package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Shard lineage as DynamoDB Streams makes it: every open shard closed and replaced by a child (rollover), and a shard
 * split into two; a child is read only after its parent was read to its end. The end-to-end test runs three mappings
 * that share leases over an 8-shard stream that rolls over while they read.
 */
class ReshardingTest extends WireFixture {

    @Test
    void rolloverAndSplitAreReadParentBeforeChild() {
        TestTable table = newTable(2);
        List<TestTable.Written> written = new ArrayList<>(writeNumbered(table, 0, 40, 8));
        List<String> children = table.rollover();
        written.addAll(writeNumbered(table, 40, 40, 8));
        List<String> grandchildren = table.split(children.getFirst());
        written.addAll(writeNumbered(table, 80, 40, 8));
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        start(mapping("lineage", source(table), handler).settings(fast().batchSize(10).build()));

        eventually().until(() -> handler.succeededCount() >= 120);
        List<DynamoDbRecord> delivered = handler.succeededPayloads();
        assertThat(delivered).hasSize(120).extracting(DynamoDbRecord::eventID).doesNotHaveDuplicates();
        assertInWriteOrderPerShard(written, delivered);
        assertInOrderPerItem(delivered);
        Map<String, String> parentOf = new HashMap<>();
        for (int i = 0; i < children.size(); i++) {
            parentOf.put(children.get(i), table.shardIds().get(i));
        }
        grandchildren.forEach(g -> parentOf.put(g, children.getFirst()));
        assertThat(grandchildren).hasSize(2);
        parentOf.forEach((child, parent) -> assertThat(firstIndex(delivered, written, child))
                .as("first record of %s after the last of its parent %s", child, parent)
                .isGreaterThan(lastIndex(delivered, written, parent)));
    }

    @Test
    void aChildWhoseParentWasTrimmedAwayIsReadFromItsStart() {
        TestTable table = newTable(1);
        String parent = table.shardIds().getFirst();
        writeNumbered(table, 0, 5, 5);
        table.rollover();
        server.clock().advance(Duration.ofHours(25));
        List<TestTable.Written> child = writeNumbered(table, 5, 5, 5);
        table.trimOlderThan(Duration.ofHours(24));
        assertThat(table.shardIds()).doesNotContain(parent).containsExactly(child.getFirst().shardId());
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        start(mapping("orphan", source(table), handler).settings(fast().build()));

        eventually().until(() -> handler.succeededCount() >= 5);
        assertThat(handler.succeededPayloads(WireFixture::number)).containsExactly(5, 6, 7, 8, 9);
    }

    @Test
    void threeMappingsSharingLeasesReadAnEightShardStreamThatRollsOverMidRun() {
        TestTable table = newTable(8);
        LeaseStore leases = new InMemoryLeaseStore();
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        String name = "fleet-" + UUID.randomUUID();
        for (String worker : List.of("w1", "w2", "w3")) {
            start(mapping(name, source(table), handler).leaseStore(leases).workerId(worker)
                    .settings(fast().batchSize(25).parallelizationFactor(2).build()));
        }
        List<TestTable.Written> written = new ArrayList<>(writeNumbered(table, 0, 400, 40));
        // The three share the work: each holds leases before the rollover.
        eventually().until(() -> leases.list(name).stream().map(Lease::owner).filter(Objects::nonNull)
                .distinct().count() == 3);
        eventually().until(() -> handler.succeededCount() >= 100);
        List<String> children = table.rollover();
        written.addAll(writeNumbered(table, 400, 400, 40));
        table.split(children.get(3));
        written.addAll(writeNumbered(table, 800, 200, 40));

        eventually().until(() -> handler.succeededPayloads().stream().map(DynamoDbRecord::eventID).distinct().count()
                >= 1_000);
        List<DynamoDbRecord> delivered = handler.succeededPayloads();
        assertThat(delivered.stream().map(DynamoDbRecord::eventID).distinct().toList())
                .containsExactlyInAnyOrderElementsOf(written.stream().map(TestTable.Written::eventId).toList());
        assertInOrderPerItemAllowingReplays(delivered);
    }

    /**
     * Per item, numbers go up, except that a lease moving between workers may replay what was in flight: a
     * number may repeat, but never arrive after a later one that was not a replay.
     */
    private static void assertInOrderPerItemAllowingReplays(List<DynamoDbRecord> delivered) {
        Map<String, Integer> highest = new HashMap<>();
        Map<String, List<Integer>> seen = new HashMap<>();
        for (DynamoDbRecord record : delivered) {
            String key = record.dynamodb().keys().get("pk").s();
            int n = number(record);
            List<Integer> before = seen.computeIfAbsent(key, k -> new ArrayList<>());
            if (n < highest.getOrDefault(key, -1)) {
                assertThat(before).as("record %d of item %s came before its predecessors", n, key).contains(n);
            }
            before.add(n);
            highest.merge(key, n, Math::max);
        }
    }

    private static int firstIndex(List<DynamoDbRecord> delivered, List<TestTable.Written> written, String shard) {
        for (int i = 0; i < delivered.size(); i++) {
            if (shardOf(delivered.get(i), written).equals(shard)) {
                return i;
            }
        }
        throw new AssertionError("nothing delivered from " + shard);
    }

    private static int lastIndex(List<DynamoDbRecord> delivered, List<TestTable.Written> written, String shard) {
        for (int i = delivered.size() - 1; i >= 0; i--) {
            if (shardOf(delivered.get(i), written).equals(shard)) {
                return i;
            }
        }
        throw new AssertionError("nothing delivered from " + shard);
    }
}

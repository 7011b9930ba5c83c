package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.dynamodbstreams.wire.DynamoDbStreamsWireServer;
import io.esm4j.dynamodbstreams.wire.Fault;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.StartingPosition;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reading through the real SDK client and the real source over HTTP: where reading starts, order per shard and per
 * item, lanes, filters, and what the source does about throttling, server errors, expired iterators, trimmed data and
 * empty pages.
 */
class ReadingTest extends WireFixture {

    @Test
    void trimHorizonDeliversEveryRecordOnceInWriteOrderPerShardWithLambdasShape() {
        TestTable table = newTable(2);
        List<TestTable.Written> written = writeNumbered(table, 0, 200, 20);
        table.delete(keys("k0")).orElseThrow();
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        DynamoDbStreamSource source = source(table);
        start(mapping("trim-horizon", source, handler).settings(fast().batchSize(50).build()));

        eventually().until(() -> handler.succeededCount() >= 201);
        List<DynamoDbRecord> delivered = handler.succeededPayloads();
        assertThat(delivered).hasSize(201).extracting(DynamoDbRecord::eventID).doesNotHaveDuplicates();
        assertInWriteOrderPerShard(written, delivered.stream()
                .filter(r -> !r.eventName().equals("REMOVE")).toList());
        DynamoDbRecord first = delivered.stream().filter(r -> r.eventID().equals(written.getFirst().eventId()))
                .findFirst().orElseThrow();
        assertThat(first.eventName()).isEqualTo("INSERT");
        assertThat(first.eventSource()).isEqualTo("aws:dynamodb");
        assertThat(first.eventVersion()).isEqualTo("1.1");
        assertThat(first.awsRegion()).isEqualTo("us-east-1");
        assertThat(first.eventSourceARN()).isEqualTo(table.streamArn());
        assertThat(first.dynamodb().keys()).containsOnlyKeys("pk", "sk");
        assertThat(first.dynamodb().newImage().get("n")).isEqualTo(AttributeValue.fromN("0"));
        assertThat(first.dynamodb().oldImage()).isNull();
        assertThat(first.dynamodb().sequenceNumber()).isEqualTo(written.getFirst().sequenceNumber());
        assertThat(first.dynamodb().streamViewType()).isEqualTo("NEW_AND_OLD_IMAGES");
        assertThat(first.userIdentity()).isNull();
        DynamoDbRecord modify = delivered.stream().filter(r -> number(r) == 20).findFirst().orElseThrow();
        assertThat(modify.eventName()).isEqualTo("MODIFY");
        assertThat(modify.dynamodb().oldImage().get("n")).isEqualTo(AttributeValue.fromN("0"));
        DynamoDbRecord remove = delivered.stream().filter(r -> r.eventName().equals("REMOVE")).findFirst()
                .orElseThrow();
        assertThat(remove.dynamodb().newImage()).isNull();
        assertThat(handler.invocations()).allSatisfy(batch -> {
            assertThat(batch.size()).isLessThanOrEqualTo(50);
            assertThat(batch.eventSourceArn()).isEqualTo(table.streamArn());
            assertThat(batch.records()).allSatisfy(r -> assertThat(r.shardId()).isEqualTo(batch.partition()));
        });
    }

    @Test
    void latestDeliversOnlyWhatIsWrittenAfterTheStart() {
        TestTable table = newTable(2);
        writeNumbered(table, 0, 20, 4);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        int before = server.calls("GetShardIterator").size();
        start(mapping("latest", source(table), handler)
                .settings(fast().startingPosition(StartingPosition.LATEST).build()));
        eventually().until(() -> server.calls("GetShardIterator").size() >= before + 2);

        List<TestTable.Written> written = writeNumbered(table, 20, 20, 4);
        eventually().until(() -> handler.succeededCount() >= 20);
        assertThat(handler.succeededPayloads(WireFixture::number)).containsExactlyInAnyOrderElementsOf(
                java.util.stream.IntStream.range(20, 40).boxed().toList());
        assertInWriteOrderPerShard(written, handler.succeededPayloads());
    }

    @Test
    void parallelizationFactorKeepsOrderPerItem() {
        TestTable table = newTable(1);
        writeNumbered(table, 0, 300, 12);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        start(mapping("lanes", source(table), handler)
                .settings(fast().batchSize(10).parallelizationFactor(4).build()));

        eventually().until(() -> handler.succeededCount() >= 300);
        assertThat(handler.succeededPayloads(WireFixture::number)).hasSize(300).doesNotHaveDuplicates();
        assertInOrderPerItem(handler.succeededPayloads());
        assertThat(handler.invocations()).allSatisfy(batch -> assertThat(batch.size()).isLessThanOrEqualTo(10));
    }

    @Test
    void filtersMatchDynamodbInDynamoDbJsonAndEventName() {
        TestTable table = newTable(1);
        table.put("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"0\"},\"n\":{\"N\":\"1\"},\"status\":{\"S\":\"open\"}}");
        table.put("{\"pk\":{\"S\":\"b\"},\"sk\":{\"N\":\"0\"},\"n\":{\"N\":\"2\"},\"status\":{\"S\":\"closed\"}}");
        table.put("{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"0\"},\"n\":{\"N\":\"3\"},\"status\":{\"S\":\"open\"}}");
        table.put("{\"pk\":{\"S\":\"c\"},\"sk\":{\"N\":\"0\"},\"n\":{\"N\":\"4\"},\"status\":{\"S\":\"open\"}}");
        table.expire(keys("c"));
        String last = table.put(item("d", 6)).orElseThrow().sequenceNumber();
        RecordingHandler<DynamoDbRecord> inserts = RecordingHandler.<DynamoDbRecord>succeeding();
        RecordingHandler<DynamoDbRecord> ttl = RecordingHandler.<DynamoDbRecord>succeeding();
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        DynamoDbStreamSource source = source(table);
        start(mapping("open-inserts", source, inserts).leaseStore(store).settings(fast().build())
                .filterCriteria(FilterCriteria.of(List.of(
                        "{\"eventName\":[\"INSERT\"],\"dynamodb\":{\"NewImage\":{\"status\":{\"S\":[\"open\"]}}}}"))));
        start(mapping("ttl-deletes", source, ttl).leaseStore(store).settings(fast().build())
                .filterCriteria(FilterCriteria.of(List.of(
                        "{\"userIdentity\":{\"type\":[\"Service\"],\"principalId\":[\"dynamodb.amazonaws.com\"]}}"))));

        String shard = table.shardIds().getFirst();
        eventually().until(() -> store.checkpoint("open-inserts", shard)
                .equals(Optional.of(new Checkpoint.AtSequenceNumber(last)))
                && store.checkpoint("ttl-deletes", shard).equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        assertThat(inserts.succeededPayloads(WireFixture::number)).containsExactly(1, 4);
        assertThat(ttl.succeededPayloads()).singleElement().satisfies(r -> {
            assertThat(r.eventName()).isEqualTo("REMOVE");
            assertThat(r.userIdentity()).isEqualTo(new DynamoDbRecord.UserIdentity("dynamodb.amazonaws.com",
                    "Service"));
        });
    }

    @Test
    void throttlingAndServerErrorsAreRetriedWithoutLossOrDuplicates() {
        TestTable table = newTable(2);
        List<TestTable.Written> written = writeNumbered(table, 0, 200, 20);
        server.failNext("GetRecords", Fault.LIMIT_EXCEEDED, 12);
        server.failNext("GetRecords", Fault.THROTTLING, 6);
        server.failNext("GetRecords", Fault.INTERNAL_SERVER_ERROR, 3);
        server.failNext("GetShardIterator", Fault.LIMIT_EXCEEDED, 3);
        server.failNext("DescribeStream", Fault.INTERNAL_SERVER_ERROR, 2);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        start(mapping("throttled", source(table), handler)
                .settings(fast().batchSize(10).maxBufferedRecordsPerShard(20).build()));

        eventually().until(() -> handler.succeededCount() >= 200);
        assertThat(server.pendingFaults()).isZero();
        assertThat(handler.succeededPayloads()).hasSize(200).extracting(DynamoDbRecord::eventID).doesNotHaveDuplicates();
        assertInWriteOrderPerShard(written, handler.succeededPayloads());
    }

    @Test
    void anExpiredIteratorIsReopenedAfterTheLastRecordHandedOut() {
        TestTable table = newTable(1);
        List<TestTable.Written> first = writeNumbered(table, 0, 50, 5);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        start(mapping("expired", source(table), handler).settings(fast().batchSize(10).build()));
        eventually().until(() -> handler.succeededCount() >= 50);

        int opened = server.calls("GetShardIterator").size();
        server.clock().advance(Duration.ofMinutes(16));
        List<TestTable.Written> second = writeNumbered(table, 50, 50, 5);
        eventually().until(() -> handler.succeededCount() >= 100);
        assertThat(handler.succeededPayloads(WireFixture::number)).hasSize(100).doesNotHaveDuplicates().isSorted();
        List<DynamoDbStreamsWireServer.Call> reopened = server.calls("GetShardIterator").subList(opened,
                server.calls("GetShardIterator").size());
        assertThat(reopened).first().satisfies(call -> {
            JsonNode request = call.request();
            assertThat(request.get("ShardIteratorType").asText()).isEqualTo("AFTER_SEQUENCE_NUMBER");
            assertThat(request.get("SequenceNumber").asText()).isEqualTo(first.getLast().sequenceNumber());
        });
        assertThat(second).isNotEmpty();
    }

    @Test
    void aCheckpointOlderThanTheRetentionResumesAtTrimHorizonAndTheGapIsLost() throws Exception {
        TestTable table = newTable(1);
        String shard = table.shardIds().getFirst();
        writeNumbered(table, 0, 5, 5);
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        RecordingHandler<DynamoDbRecord> before = RecordingHandler.<DynamoDbRecord>succeeding();
        DynamoDbStreamSource source = source(table);
        var mapping = start(mapping("trimmed", source, before).leaseStore(store).settings(fast().build()));
        eventually().until(() -> before.succeededCount() >= 5
                && store.checkpoint("trimmed", shard).map(c -> c instanceof Checkpoint.AtSequenceNumber)
                .orElse(false));
        mapping.stop(Duration.ofSeconds(10));

        writeNumbered(table, 5, 5, 5); // never read: trimmed below
        server.clock().advance(Duration.ofHours(25));
        List<TestTable.Written> kept = writeNumbered(table, 10, 5, 5);
        table.trimOlderThan(Duration.ofHours(24));
        RecordingHandler<DynamoDbRecord> after = RecordingHandler.<DynamoDbRecord>succeeding();
        start(mapping("trimmed", source, after).leaseStore(store).settings(fast().build()));

        eventually().until(() -> store.checkpoint("trimmed", shard)
                .equals(Optional.of(new Checkpoint.AtSequenceNumber(kept.getLast().sequenceNumber()))));
        assertThat(after.succeededPayloads(WireFixture::number)).containsExactly(10, 11, 12, 13, 14);
        assertThat(server.calls("GetShardIterator")).extracting(c -> c.request().get("ShardIteratorType").asText())
                .containsSubsequence("AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON");
    }

    @Test
    void emptyPagesOfAClosedShardAreReadThroughToItsEnd() {
        TestTable table = newTable(1);
        String parent = table.shardIds().getFirst();
        writeNumbered(table, 0, 10, 5);
        table.rollover();
        List<TestTable.Written> child = writeNumbered(table, 10, 10, 5);
        table.emptyPages(parent, 30);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        start(mapping("empty-pages", source(table), handler).settings(fast().batchSize(100).build()));

        eventually().until(() -> handler.succeededCount() >= 20);
        assertThat(handler.succeededPayloads(WireFixture::number)).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 20).boxed().toList());
        assertThat(child.getFirst().shardId()).isNotEqualTo(parent);
    }
}

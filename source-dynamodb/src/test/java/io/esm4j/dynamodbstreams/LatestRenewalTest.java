package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.dynamodbstreams.wire.Fault;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.settings.StartingPosition;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A LATEST start whose iterator expires, or whose reader fails, before anything was handed out: DynamoDB Streams has no
 * AT_TIMESTAMP, so the source reopens at TRIM_HORIZON and drops what was created before the mapping started. A class of
 * its own, so that
 * the endpoint's clock starts at the real time as the reader's does (other classes move it by hours).
 */
class LatestRenewalTest extends WireFixture {

    @Test
    void anExpiredLatestIteratorIsRenewedWithoutReplayingOlderRecordsOrSkippingNewerOnes() {
        TestTable table = newTable(1);
        Instant now = server.clock().instant();
        server.clock().set(now.minus(Duration.ofMinutes(1)));
        writeNumbered(table, 0, 5, 5);
        server.clock().set(now);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        int before = server.calls("GetShardIterator").size();
        start(mapping("latest-renewal", source(table), handler)
                .settings(fast().startingPosition(StartingPosition.LATEST).build()));
        // The LATEST iterator has answered a page: an expiry now is renewed, not reported as a failure.
        eventually().until(() -> !server.calls("GetRecords").isEmpty()
                && server.calls("GetShardIterator").size() > before);

        server.clock().advance(Duration.ofMinutes(16));
        writeNumbered(table, 5, 5, 5);
        eventually().until(() -> handler.succeededCount() >= 5);
        assertThat(handler.succeededPayloads(WireFixture::number)).containsExactly(5, 6, 7, 8, 9);
        List<String> types = server.calls("GetShardIterator").subList(before, server.calls("GetShardIterator").size())
                .stream().map(c -> c.request().get("ShardIteratorType").asText()).toList();
        assertThat(types).containsExactly("LATEST", "TRIM_HORIZON");
    }

    @Test
    void aReaderReopenedAfterAFailedReadBeforeAnyRecordDoesNotDeliverRecordsOlderThanTheStart() {
        TestTable table = newTable(1);
        // By the wall clock, which the engine reads: the other test moves the endpoint's clock ahead.
        server.clock().set(Instant.now().minus(Duration.ofMinutes(1)));
        writeNumbered(table, 0, 5, 5);
        server.failNext("GetRecords", Fault.INTERNAL_SERVER_ERROR, 1);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.<DynamoDbRecord>succeeding();
        int before = server.calls("GetShardIterator").size();
        start(mapping("latest-reopen", source(table), handler)
                .settings(fast().startingPosition(StartingPosition.LATEST).build()));
        // The engine closed the failed reader and opened another at the time the first one opened.
        eventually().until(() -> server.pendingFaults() == 0
                && server.calls("GetShardIterator").size() >= before + 2);

        server.clock().set(Instant.now().plus(Duration.ofMinutes(1)));
        writeNumbered(table, 5, 5, 5);
        eventually().until(() -> handler.succeededCount() >= 5);
        assertThat(handler.succeededPayloads(WireFixture::number)).containsExactly(5, 6, 7, 8, 9);
        List<String> types = server.calls("GetShardIterator").subList(before, server.calls("GetShardIterator").size())
                .stream().map(c -> c.request().get("ShardIteratorType").asText()).toList();
        assertThat(types).containsExactly("LATEST", "TRIM_HORIZON");
    }
}

package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.dynamodbstreams.wire.Fault;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.testing.RecordingHandler;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A table's stream disabled while the mapping runs: its shards end without children, and a stream enabled again (or
 * the table created again) is a new stream with a new ARN, which a mapping built on the old one, also by
 * {@code .table(name)} (resolved once, at build), never reads, but names.
 */
class DisabledStreamTest extends WireFixture {

    /**
     * Before, the mapping read the shards to their end and then showed no problem at all while nothing could come any
     * more. Now the stream's status (DescribeStream StreamStatus) is the mapping's problem, naming the stream, from the
     * first listing that finds it disabled; what the shards still hold is read all the same.
     */
    @Test
    void aDisabledStreamIsReadToItsEndAndThenAProblemNamingIt() {
        TestTable table = newTable(2);
        List<TestTable.Written> written = writeNumbered(table, 0, 6, 3);
        RecordingHandler<DynamoDbRecord> handler = RecordingHandler.succeeding();
        DynamoDbStreamSource source = DynamoDbStreamSource.builder(streams).table(table.name(), dynamodb).build();
        EventSourceMapping<DynamoDbRecord> mapping = start(mapping("disabled", source, handler)
                .settings(fast().build()));
        eventually().until(() -> handler.succeededCount() == 6);

        writeNumbered(table, 6, 2, 3);
        table.disableStream();
        writeNumbered(table, 8, 2, 3);

        eventually().until(() -> mapping.stateTransitionReason().startsWith("PROBLEM: "));
        assertThat(mapping.stateTransitionReason()).contains("stream " + table.streamArn() + " is DISABLED",
                "build the mapping again");
        eventually().until(() -> handler.succeededCount() == written.size() + 2);
    }

    /**
     * The table's stream turned off and on again: DescribeTable's LatestStreamArn names a new stream. Before, the
     * problem never named it. Now a source built with {@code .table(name, dynamoDbClient)} asks DescribeTable with each
     * listing that finds its stream disabled and names the new stream once there is one; a failed DescribeTable is
     * said, and the stream it named last stays named. A source built by ARN has no DynamoDbClient to ask.
     */
    @Test
    void theProblemNamesTheTablesNewStreamOnceItIsEnabled() {
        TestTable table = newTable(1);
        DynamoDbStreamSource source = DynamoDbStreamSource.builder(streams).table(table.name(), dynamodb).build();
        EventSourceMapping<DynamoDbRecord> mapping = start(mapping("re-enabled", source,
                RecordingHandler.succeeding()).settings(fast().build()));
        EventSourceMapping<DynamoDbRecord> byArn = start(mapping("re-enabled-by-arn",
                DynamoDbStreamSource.builder(streams).streamArn(table.streamArn()).build(),
                RecordingHandler.succeeding()).settings(fast().build()));
        String disabled = "PROBLEM: stream " + table.streamArn() + " is DISABLED: its shards have ended and no record "
                + "will come any more. ";
        String noNewStream = disabled + "A stream enabled again on table " + table.name() + ", or the table's stream "
                + "after it is created again, is a new stream with a new ARN; to read it, build the mapping again";

        table.disableStream();
        eventually().until(() -> mapping.stateTransitionReason().startsWith("PROBLEM: "));
        assertThat(mapping.stateTransitionReason()).startsWith(noNewStream);
        table.enableStreamAgain();

        eventually().until(() -> mapping.stateTransitionReason().contains("has a new stream"));
        assertThat(table.latestStreamArn()).isNotEqualTo(table.streamArn());
        assertThat(mapping.stateTransitionReason()).startsWith(disabled + "Table " + table.name() + " has a new "
                + "stream, " + table.latestStreamArn() + " (DescribeTable's LatestStreamArn); to read it, build the "
                + "mapping again on it");
        assertThat(byArn.stateTransitionReason()).startsWith(noNewStream);
        try {
            server.failNext("DescribeTable", Fault.INTERNAL_SERVER_ERROR, 1_000);
            eventually().until(() -> mapping.stateTransitionReason().contains("DescribeTable on table " + table.name()
                    + " failed, so this may be out of date: "));
            assertThat(mapping.stateTransitionReason()).contains("has a new stream, " + table.latestStreamArn());
        } finally {
            server.clearFaults();
        }
    }
}

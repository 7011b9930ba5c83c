package io.esm4j.dynamodbstreams;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.testing.RecordingHandler;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A table's stream disabled while the mapping runs: its shards end without children, and a stream enabled again (or
 * the table created again) is a new stream with a new ARN, which a mapping built on the old one, also by
 * {@code .table(name)} (resolved once, at build), never reads.
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
}

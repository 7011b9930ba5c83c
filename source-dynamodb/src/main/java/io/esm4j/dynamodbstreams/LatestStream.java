package io.esm4j.dynamodbstreams;

import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * The table's latest stream as DescribeTable gives it, for a source built with {@code .table(name, dynamoDbClient)}
 * whose stream the listing found disabled: the table's stream turned off and on again, or the table created again, is
 * a new stream with a new ARN, and the mapping's problem names it, so that the user can build the mapping on it. Read
 * again with every listing that finds the stream disabled (the user may enable a new one at any time), on the
 * listing's thread; a failed read keeps the last answer and is said in the problem, as the source has no log.
 */
final class LatestStream {

    private final DynamoDbClient dynamoDb;
    private final String tableName;
    /** The source's own stream. */
    private final String streamArn;
    /** The table's latest stream when it is another one and enabled; null if not, or not known. */
    private volatile @Nullable String newer;
    /** Why the last DescribeTable failed; null if it worked. */
    private volatile @Nullable String failure;

    LatestStream(DynamoDbClient dynamoDb, String tableName, String streamArn) {
        this.dynamoDb = dynamoDb;
        this.tableName = tableName;
        this.streamArn = streamArn;
    }

    /** Asks DescribeTable for the table's LatestStreamArn and StreamSpecification. */
    void refresh() {
        try {
            TableDescription table = dynamoDb.describeTable(r -> r.tableName(tableName)).table();
            StreamSpecification stream = table.streamSpecification();
            String latest = table.latestStreamArn();
            newer = latest != null && !latest.equals(streamArn) && stream != null
                    && Boolean.TRUE.equals(stream.streamEnabled()) ? latest : null;
            failure = null;
        } catch (SdkException e) {
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /**
     * What to do, for the problem of a disabled stream: build the mapping on the table's new stream, named if
     * DescribeTable gave one.
     */
    String whatToDo() {
        String latest = newer;
        String failed = failure;
        String rebuild = latest != null
                ? "Table " + tableName + " has a new stream, " + latest + " (DescribeTable's LatestStreamArn); to read "
                        + "it, build the mapping again on it (DynamoDbStreamSource.builder(...).streamArn(...) with "
                        + "that ARN, or .table(name, dynamoDbClient), which looks up the table's latest stream)"
                : DynamoDbStreamSource.rebuildOnNewStream(tableName);
        return failed == null ? rebuild : rebuild + " (DescribeTable on table " + tableName + " failed, so this may "
                + "be out of date: " + failed + ")";
    }
}

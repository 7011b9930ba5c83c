package io.esm4j.stream;

import java.util.List;

/**
 * The stream-source SPI: what the engine needs from Kinesis, DynamoDB Streams or any other sharded stream.
 *
 * @param <T> the payload type of the records it reads
 */
public interface StreamSource<T> {

    /** The stream's ARN, as written into failure records ({@code streamArn}). */
    String streamArn();

    /** How failure records name and format this source's batch info. */
    BatchInfoStyle batchInfoStyle();

    /** Every shard the stream has now, open and closed, with parent ids. */
    List<Shard> listShards() throws Exception;

    /** Opens a reader on a shard at a position. */
    ShardReader<T> openReader(String shardId, ReadStart start) throws Exception;
}

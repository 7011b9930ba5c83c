package io.esm4j.stream;

import io.esm4j.testing.InMemoryStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Wraps an {@link InMemoryStream} and tells when a shard reader was closed: a reader of an open shard closes only
 * when its worker stops, so a handler can wait on {@link #readerClosed()} to act after the mapping's stop began.
 */
final class ObservedSource implements StreamSource<byte[]> {

    private final InMemoryStream stream;
    private final CountDownLatch readerClosed = new CountDownLatch(1);

    ObservedSource(InMemoryStream stream) {
        this.stream = stream;
    }

    CountDownLatch readerClosed() {
        return readerClosed;
    }

    @Override
    public String streamArn() {
        return stream.streamArn();
    }

    @Override
    public BatchInfoStyle batchInfoStyle() {
        return stream.batchInfoStyle();
    }

    @Override
    public List<Shard> listShards() {
        return stream.listShards();
    }

    @Override
    public ShardReader<byte[]> openReader(String shardId, ReadStart start) {
        ShardReader<byte[]> reader = stream.openReader(shardId, start);
        return new ShardReader<>() {
            @Override
            public FetchResult<byte[]> fetch(int maxRecords) throws Exception {
                return reader.fetch(maxRecords);
            }

            @Override
            public void close() {
                reader.close();
                readerClosed.countDown();
            }
        };
    }
}

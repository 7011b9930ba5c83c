package io.esm4j.stream;

import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link InMemoryStream} seen through the SPI with counters: how often the engine listed shards (the coordinator
 * lists every ShardSyncInterval, which lets a test see time pass without sleeping), which readers it opened where, a
 * hook run before every fetch, and a latch that opens when a reader is closed (a reader of an open shard closes only
 * when its worker stops, so a handler can wait on it to act after the mapping's stop began).
 */
final class ObservedSource extends ForwardingStreamSource<byte[]> {

    record Opened(String shardId, ReadStart start) {}

    final InMemoryStream stream;
    final AtomicInteger listings = new AtomicInteger();
    final List<Opened> opened = new CopyOnWriteArrayList<>();
    volatile Runnable beforeFetch = () -> {};
    private final CountDownLatch readerClosed = new CountDownLatch(1);

    ObservedSource(InMemoryStream stream) {
        super(stream);
        this.stream = stream;
    }

    CountDownLatch readerClosed() {
        return readerClosed;
    }

    @Override
    public List<Shard> listShards() {
        listings.incrementAndGet();
        return stream.listShards();
    }

    @Override
    public ShardReader<byte[]> openReader(String shardId, ReadStart start) {
        ShardReader<byte[]> reader = stream.openReader(shardId, start);
        opened.add(new Opened(shardId, start));
        return new ShardReader<>() {
            @Override
            public FetchResult<byte[]> fetch(int maxRecords) throws Exception {
                beforeFetch.run();
                return reader.fetch(maxRecords);
            }

            @Override
            public void close() {
                reader.close();
                readerClosed.countDown();
            }
        };
    }

    boolean wasOpened(String shardId) {
        return opened.stream().anyMatch(o -> o.shardId().equals(shardId));
    }
}

package io.esm4j.stream;

import io.esm4j.testing.InMemoryStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link InMemoryStream} seen through the SPI with counters: how often the engine listed shards (the coordinator
 * lists every ShardSyncInterval, which lets a test see time pass without sleeping), which readers it opened where,
 * and a hook run before every fetch.
 */
final class ObservedSource implements StreamSource<byte[]> {

    record Opened(String shardId, ReadStart start) {}

    final InMemoryStream stream;
    final AtomicInteger listings = new AtomicInteger();
    final List<Opened> opened = new CopyOnWriteArrayList<>();
    volatile Runnable beforeFetch = () -> {};

    ObservedSource(InMemoryStream stream) {
        this.stream = stream;
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
        listings.incrementAndGet();
        return stream.listShards();
    }

    @Override
    public ShardReader<byte[]> openReader(String shardId, ReadStart start) {
        ShardReader<byte[]> reader = stream.openReader(shardId, start);
        opened.add(new Opened(shardId, start));
        return maxRecords -> {
            beforeFetch.run();
            return reader.fetch(maxRecords);
        };
    }

    boolean wasOpened(String shardId) {
        return opened.stream().anyMatch(o -> o.shardId().equals(shardId));
    }
}

package io.esm4j.testing;

import io.esm4j.failure.BatchInfo;
import io.esm4j.filter.FilterDocument;
import io.esm4j.settings.StartingPosition;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A stream source that passes every call to another one, the SPI's default methods included, for tests and
 * benchmarks that watch or change a few calls (count listings, wrap readers, refuse a starting position): extend it
 * and override only those. A wrapper written by hand easily forgets a default method and so silently loses the
 * wrapped source's filters, retention or event size.
 *
 * @param <T> the payload type of the records
 */
public class ForwardingStreamSource<T> implements StreamSource<T> {

    private final StreamSource<T> delegate;

    public ForwardingStreamSource(StreamSource<T> delegate) {
        this.delegate = delegate;
    }

    @Override
    public String streamArn() {
        return delegate.streamArn();
    }

    @Override
    public BatchInfo batchInfo(String shardId, List<StreamRecord<T>> records) {
        return delegate.batchInfo(shardId, records);
    }

    @Override
    public String naturalId(StreamRecord<T> record) {
        return delegate.naturalId(record);
    }

    @Override
    public Object itemIdentifier(StreamRecord<T> record) {
        return delegate.itemIdentifier(record);
    }

    @Override
    public Set<StartingPosition> startingPositions() {
        return delegate.startingPositions();
    }

    @Override
    public Optional<Duration> retention() {
        return delegate.retention();
    }

    @Override
    public Optional<String> problem() {
        return delegate.problem();
    }

    @Override
    public int eventEnvelopeBytes(String shardId) {
        return delegate.eventEnvelopeBytes(shardId);
    }

    @Override
    public boolean exceedsPayloadLimit(StreamRecord<T> record) {
        return delegate.exceedsPayloadLimit(record);
    }

    @Override
    public List<Shard> listShards() throws Exception {
        return delegate.listShards();
    }

    @Override
    public ShardReader<T> openReader(String shardId, ReadStart start) throws Exception {
        return delegate.openReader(shardId, start);
    }

    @Override
    public Set<String> filterableKeys() {
        return delegate.filterableKeys();
    }

    @Override
    public Set<String> jsonOnlyFilterKeys() {
        return delegate.jsonOnlyFilterKeys();
    }

    @Override
    public FilterDocument filterDocument(StreamRecord<T> record) {
        return delegate.filterDocument(record);
    }
}

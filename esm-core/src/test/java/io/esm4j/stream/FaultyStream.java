package io.esm4j.stream;

import io.esm4j.failure.BatchInfo;
import io.esm4j.filter.FilterDocument;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import java.time.Instant;
import java.util.List;

/**
 * An {@link InMemoryStream} behind the stream SPI with a hook at every call the engine makes, to inject failures
 * (exceptions, Errors, hangs) where a real source or user code could fail.
 */
final class FaultyStream extends ForwardingStreamSource<byte[]> {

    /** Runs before the real call; throwing from it is the injected failure. */
    @FunctionalInterface
    interface Hook<A> {
        void before(A argument) throws Exception;
    }

    final InMemoryStream stream;
    volatile Hook<Void> listShards = x -> {};
    volatile Hook<String> openReader = x -> {};
    volatile Hook<String> fetch = x -> {};
    volatile Hook<StreamRecord<byte[]>> filterDocument = x -> {};
    volatile Hook<List<StreamRecord<byte[]>>> batchInfo = x -> {};
    /** Records that arrived before it are gone, as once the stream's retention passed them: reads skip them. */
    volatile Instant trimmedBefore;

    FaultyStream(InMemoryStream stream) {
        super(stream);
        this.stream = stream;
    }

    @Override
    public List<Shard> listShards() throws Exception {
        listShards.before(null);
        return stream.listShards();
    }

    @Override
    public ShardReader<byte[]> openReader(String shardId, ReadStart start) throws Exception {
        openReader.before(shardId);
        ShardReader<byte[]> reader = stream.openReader(shardId, start);
        return maxRecords -> {
            fetch.before(shardId);
            FetchResult<byte[]> result = reader.fetch(maxRecords);
            Instant horizon = trimmedBefore;
            return horizon == null ? result : new FetchResult<>(result.records().stream()
                    .filter(r -> !r.approximateArrivalTimestamp().isBefore(horizon)).toList(),
                    result.millisBehindLatest(), result.shardEnded());
        };
    }

    @Override
    public BatchInfo batchInfo(String shardId, List<StreamRecord<byte[]>> records) {
        try {
            batchInfo.before(records);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return stream.batchInfo(shardId, records);
    }

    @Override
    public FilterDocument filterDocument(StreamRecord<byte[]> record) {
        try {
            filterDocument.before(record);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return stream.filterDocument(record);
    }
}

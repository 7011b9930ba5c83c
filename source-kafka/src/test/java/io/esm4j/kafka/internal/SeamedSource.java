package io.esm4j.kafka.internal;

import io.esm4j.failure.BatchInfo;
import io.esm4j.filter.FilterDocument;
import io.esm4j.internal.stream.EngineFactory;
import io.esm4j.internal.stream.MappingEngine;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * A {@link KafkaSource} whose mapping's engine takes its consumer and its poll thread from the test: a MockConsumer
 * instead of a broker, a poll thread that cannot start. Everything else is the source's.
 */
final class SeamedSource implements StreamSource<KafkaRecord>, EngineFactory<KafkaRecord> {

    private final KafkaSource source;
    private final Consumer<byte[], byte[]> consumer;
    private final ThreadFactory pollThreads;

    SeamedSource(KafkaSource source, Consumer<byte[], byte[]> consumer, ThreadFactory pollThreads) {
        this.source = source;
        this.consumer = consumer;
        this.pollThreads = pollThreads;
    }

    @Override
    public MappingEngine engine(StreamContext<KafkaRecord> ctx) {
        Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers = properties -> consumer;
        return new KafkaEngine(ctx, source, consumers, pollThreads);
    }

    @Override
    public String streamArn() {
        return source.streamArn();
    }

    @Override
    public BatchInfo batchInfo(String shardId, List<StreamRecord<KafkaRecord>> records) {
        return source.batchInfo(shardId, records);
    }

    @Override
    public String naturalId(StreamRecord<KafkaRecord> record) {
        return source.naturalId(record);
    }

    @Override
    public Object itemIdentifier(StreamRecord<KafkaRecord> record) {
        return source.itemIdentifier(record);
    }

    @Override
    public int eventEnvelopeBytes(String shardId) {
        return source.eventEnvelopeBytes(shardId);
    }

    @Override
    public boolean exceedsPayloadLimit(StreamRecord<KafkaRecord> record) {
        return source.exceedsPayloadLimit(record);
    }

    @Override
    public Set<String> filterableKeys() {
        return source.filterableKeys();
    }

    @Override
    public FilterDocument filterDocument(StreamRecord<KafkaRecord> record) {
        return source.filterDocument(record);
    }

    @Override
    public List<Shard> listShards() {
        return source.listShards();
    }

    @Override
    public ShardReader<KafkaRecord> openReader(String shardId, ReadStart start) {
        return source.openReader(shardId, start);
    }
}

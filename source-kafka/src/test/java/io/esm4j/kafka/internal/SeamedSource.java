package io.esm4j.kafka.internal;

import io.esm4j.internal.stream.EngineFactory;
import io.esm4j.internal.stream.MappingEngine;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.testing.ForwardingStreamSource;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * A {@link KafkaSource} whose mapping's engine takes its consumer and its poll thread from the test: a MockConsumer
 * instead of a broker, a poll thread that cannot start. Everything else is the source's.
 */
final class SeamedSource extends ForwardingStreamSource<KafkaRecord> implements EngineFactory<KafkaRecord> {

    private final KafkaSource source;
    private final Consumer<byte[], byte[]> consumer;
    private final ThreadFactory pollThreads;

    SeamedSource(KafkaSource source, Consumer<byte[], byte[]> consumer, ThreadFactory pollThreads) {
        super(source);
        this.source = source;
        this.consumer = consumer;
        this.pollThreads = pollThreads;
    }

    @Override
    public MappingEngine engine(StreamContext<KafkaRecord> ctx) {
        Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers = properties -> consumer;
        return new KafkaEngine(ctx, source, consumers, pollThreads);
    }
}

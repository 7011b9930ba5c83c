package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Kafka mapping's poll and intake threads are daemons, as every other engine's threads are: what keeps the JVM alive
 * while a mapping runs is the one rule of esm-core (a non-daemon {@code esm4j-keep-alive} thread from start() until
 * the mapping is DISABLED), not a thread of the engine's, which could hold the JVM beyond the mapping's life.
 */
class KafkaThreadsTest {

    @Test
    void thePollAndIntakeThreadsAreDaemonsAndTheKeepAliveThreadIsNot() throws Exception {
        // Nothing listens there: the consumer only tries to connect, which is all the test needs.
        KafkaSource source = KafkaSource.builder().bootstrapServers("127.0.0.1:9").topics("orders").build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("threads", source, new Recorder())
                .settings(Fixtures.fast().build()).meterRegistry(new SimpleMeterRegistry()).build();
        mapping.start();
        try {
            assertThat(threadsNamed("esm4j-threads-kafka-poll")).hasSize(1).noneMatch(Thread::isVirtual)
                    .allMatch(Thread::isDaemon);
            assertThat(threadsNamed("esm4j-threads-kafka-intake")).hasSize(1).allMatch(Thread::isDaemon);
            assertThat(threadsNamed("esm4j-keep-alive")).isNotEmpty().noneMatch(Thread::isDaemon);
        } finally {
            mapping.stop(Duration.ZERO);
        }
    }

    private static List<Thread> threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> thread.getName().equals(name)).toList();
    }
}

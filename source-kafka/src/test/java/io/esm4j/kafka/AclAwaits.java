package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;

/** What {@link KafkaAclTest} waits for and checks on a mapping that the cluster refuses, then lets read. */
final class AclAwaits {

    static final Duration WAIT = Duration.ofSeconds(60);

    private AclAwaits() {}

    /** Lambda's message shows, the reason names the refusal, and the poll thread goes on trying. */
    static void awaitRefusedAndRetrying(EventSourceMapping<KafkaRecord> mapping, SimpleMeterRegistry registry,
                                        String name, String refusal) {
        await().atMost(WAIT).until(() -> mapping.lastProcessingResult()
                .equals(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE));
        await().atMost(WAIT).until(() -> mapping.stateTransitionReason().contains(refusal));
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM");
        double errors = counter(registry, MetricNames.POLLING_ERROR_COUNT);
        await().atMost(WAIT).until(() -> counter(registry, MetricNames.POLLING_ERROR_COUNT) > errors);
        assertThat(mapping.state()).isIn(MappingState.ENABLING, MappingState.ENABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM").contains(refusal);
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(thread -> thread.isAlive()
                && thread.getName().equals("esm4j-" + name + "-kafka-poll"));
        assertThat(mapping.lastProcessingResult()).isEqualTo(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE);
    }

    /** Every record v0..v{count-1} reached the handler in order, the group committed them, and no problem shows. */
    static void awaitReadAndCommitted(KafkaBroker broker, EventSourceMapping<KafkaRecord> mapping, Recorder handler,
                                      String group, String topic, int count) {
        List<String> expected = IntStream.range(0, count).mapToObj(i -> "v" + i).toList();
        await().atMost(WAIT).until(() -> values(handler).size() >= count);
        assertThat(values(handler).stream().distinct().toList()).isEqualTo(expected);
        await().atMost(WAIT).until(() -> Long.valueOf(count)
                .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
        await().atMost(WAIT).until(() -> mapping.lastProcessingResult().equals("OK")
                && !mapping.stateTransitionReason().startsWith("PROBLEM"));
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
    }

    /** The values of the records the handler processed, in order. */
    static List<String> values(Recorder handler) {
        return handler.succeeded.stream().map(record -> KafkaBroker.text(record.value())).toList();
    }

    /** A counter's count, 0 before it was first incremented. */
    static double counter(SimpleMeterRegistry registry, String name) {
        Counter counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }
}

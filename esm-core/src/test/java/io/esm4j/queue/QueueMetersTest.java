package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.metrics.MetricNames;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** A queue mapping registers the queue meters the README lists, and none of the stream mappings' lease meters. */
class QueueMetersTest {

    @Test
    void aQueueMappingRegistersOnlyQueueMeters() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.builder("queue",
                InMemoryQueue.standard("work").build(), new QueueRecorder()).meterRegistry(meters).build()) {
            assertThat(meters.getMeters()).extracting(meter -> meter.getId().getName()).containsExactlyInAnyOrder(
                    MetricNames.POLLED_EVENT_COUNT, MetricNames.FILTERED_OUT_EVENT_COUNT,
                    MetricNames.INVOKED_EVENT_COUNT, MetricNames.FAILED_INVOKE_EVENT_COUNT,
                    MetricNames.POLLING_ERROR_COUNT, MetricNames.RESTART_COUNT, MetricNames.BATCH_SIZE,
                    MetricNames.HANDLER_DURATION, MetricNames.DELETED_EVENT_COUNT, MetricNames.DELETE_ERROR_COUNT);
            assertThat(meters.getMeters()).extracting(Meter::getId)
                    .allMatch(id -> "queue".equals(id.getTag(MetricNames.MAPPING_TAG)));
        }
    }
}

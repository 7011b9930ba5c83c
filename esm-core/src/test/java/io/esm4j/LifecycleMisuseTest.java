package io.esm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.handler.BatchResult;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** start() and stop() called in the orders users get wrong: each is refused at once, and nothing keeps running. */
class LifecycleMisuseTest {

    private static final StreamSettings SETTINGS = StreamSettings.builder()
            .startingPosition(StartingPosition.TRIM_HORIZON).shardSyncInterval(Duration.ofMillis(100)).build();

    @Test
    void aStreamMappingStoppedBeforeItStartedRefusesToStart() throws Exception {
        InMemoryStream stream = InMemoryStream.create("never", 1);
        stream.put("k", "r0");
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("never", stream, handler)
                .settings(SETTINGS).leaseStore(leases).build();
        mapping.close();

        // Once started, it would run for good: a later stop() returns the first stop's result and stops nothing.
        assertThatThrownBy(mapping::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("mapping never was already stopped; build a new one to run it");
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(leases.list("never")).isEmpty();
        assertThat(handler.invocationCount()).isZero();
    }

    @Test
    void aQueueMappingStoppedBeforeItStartedRefusesToStart() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("never").build();
        AtomicInteger invocations = new AtomicInteger();
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder("never",
                queue, batch -> {
                    invocations.incrementAndGet();
                    return BatchResult.success();
                }).build();
        QueueStopResult stopped = mapping.stop(Duration.ofSeconds(1));

        assertThatThrownBy(mapping::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("mapping never was already stopped; build a new one to run it");
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(queue.waitingReceivers()).isZero();
        assertThat(mapping.stop(Duration.ofSeconds(1))).isEqualTo(stopped);
        assertThat(invocations).hasValue(0);
    }

    @Test
    void aStopWithoutATimeoutIsRefusedAndTheMappingStillStops() throws Exception {
        InMemoryStream stream = InMemoryStream.create("nulled", 1);
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("nulled", stream, handler)
                .settings(SETTINGS).leaseStore(leases).build();
        mapping.start();
        await().until(() -> mapping.shards().stream().anyMatch(s -> s.owner() != null));

        Duration none = null; // what a caller without a null checker may pass
        assertThatThrownBy(() -> mapping.stop(none)).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);

        // The refused call left the mapping as it was: it still works, and a stop with a timeout stops it.
        stream.put("k", "r0");
        await().until(() -> handler.succeededCount() == 1);
        StopResult result = mapping.stop(Duration.ofSeconds(10));
        assertThat(result.drainedInTime()).isTrue();
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(leases.list("nulled")).singleElement().satisfies(lease -> assertThat(lease.owner()).isNull());
    }

    @Test
    void aQueueStopWithoutATimeoutIsRefusedAndTheMappingStillStops() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("nulled").build();
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder("nulled",
                queue, batch -> BatchResult.success()).build();
        mapping.start();
        await().until(() -> queue.waitingReceivers() > 0);

        Duration none = null;
        assertThatThrownBy(() -> mapping.stop(none)).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);

        mapping.stop(Duration.ofSeconds(1));
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
    }

    @Test
    void startTwiceAndStopTwiceAreWhatTheJavadocSays() throws Exception {
        InMemoryStream stream = InMemoryStream.create("twice", 1);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("twice", stream,
                RecordingHandler.<byte[]>succeeding()).settings(SETTINGS).build();
        mapping.start();
        assertThatThrownBy(mapping::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("mapping twice was already started; build a new one to restart");
        StopResult first = mapping.stop(Duration.ofSeconds(10));
        assertThat(mapping.stop(Duration.ofSeconds(10))).isSameAs(first);
        assertThatThrownBy(mapping::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("mapping twice was already started; build a new one to restart");
    }
    /**
     * A timeout as long as a Duration can be (a caller that means "wait as long as it takes") is a long wait, not a
     * failure: the stop drains and ends DISABLED, with the leases released. It overflowed a nanosecond deadline or an
     * Instant, which failed the stop half-way (a queue mapping stayed ENABLED and every later stop() failed alike).
     */
    @Test
    void aStopWithTheLongestTimeoutStopsAStreamMapping() throws Exception {
        InMemoryStream stream = InMemoryStream.create("forever", 1);
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("forever", stream, handler)
                .settings(SETTINGS).leaseStore(leases).build();
        mapping.start();
        stream.put("k", "r0");
        await().until(() -> handler.succeededCount() == 1);

        StopResult result = mapping.stop(ChronoUnit.FOREVER.getDuration());
        assertThat(result.drainedInTime()).isTrue();
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(leases.list("forever")).singleElement().satisfies(lease -> assertThat(lease.owner()).isNull());
    }

    @Test
    void aStopWithTheLongestTimeoutStopsAQueueMapping() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("forever").build();
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder("forever",
                queue, batch -> BatchResult.success()).build();
        mapping.start();
        await().until(() -> queue.waitingReceivers() > 0);

        QueueStopResult result = mapping.stop(ChronoUnit.FOREVER.getDuration());
        assertThat(result.drainedInTime()).isTrue();
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
    }
}

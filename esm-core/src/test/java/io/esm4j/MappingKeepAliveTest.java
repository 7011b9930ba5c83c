package io.esm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.handler.BatchResult;
import io.esm4j.internal.KeepAlive;
import io.esm4j.internal.stream.EngineFactory;
import io.esm4j.internal.stream.MappingEngine;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.settings.QueueSettings;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A mapping keeps the JVM alive from its start until it is DISABLED, whichever way it gets there; one that never ran,
 * or whose start failed, never does. (That the JVM then lives and ends accordingly: {@link ProcessLifetimeTest}.)
 */
class MappingKeepAliveTest {

    private static final StreamSettings STREAM = StreamSettings.builder()
            .startingPosition(StartingPosition.TRIM_HORIZON).shardSyncInterval(Duration.ofMillis(100)).build();
    private static final QueueSettings QUEUE = QueueSettings.builder().receiveWaitTime(Duration.ofMillis(50))
            .idlePollInterval(Duration.ofMillis(50)).build();

    @Test
    void aStreamMappingKeepsTheJvmAliveFromItsStartUntilItsStop() throws Exception {
        InMemoryStream stream = InMemoryStream.create("alive", 1);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("alive", stream,
                RecordingHandler.<byte[]>succeeding()).settings(STREAM).build();
        assertThat(mapping.keepsJvmAlive()).as("built, not started").isFalse();
        mapping.start();
        try {
            assertThat(mapping.keepsJvmAlive()).isTrue();
            assertThat(keepAliveThreads()).as("a non-daemon %s thread", KeepAlive.THREAD_NAME).isNotEmpty()
                    .allMatch(thread -> !thread.isDaemon());
        } finally {
            mapping.stop(Duration.ofSeconds(30));
        }
        assertThat(mapping.keepsJvmAlive()).isFalse();
    }

    @Test
    void aQueueMappingKeepsTheJvmAliveFromItsStartUntilItsStop() throws Exception {
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder("alive",
                InMemoryQueue.standard("alive").build(), batch -> BatchResult.success()).settings(QUEUE).build();
        assertThat(mapping.keepsJvmAlive()).isFalse();
        mapping.start();
        try {
            assertThat(mapping.keepsJvmAlive()).isTrue();
            assertThat(keepAliveThreads()).isNotEmpty().allMatch(thread -> !thread.isDaemon());
        } finally {
            mapping.stop(Duration.ofSeconds(30));
        }
        assertThat(mapping.keepsJvmAlive()).isFalse();
    }

    @Test
    void aMappingStoppedBeforeItStartedNeverKeepsTheJvmAlive() throws Exception {
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("never", InMemoryStream.create("never", 1),
                RecordingHandler.<byte[]>succeeding()).settings(STREAM).build();
        mapping.stop(Duration.ofSeconds(1));
        assertThatThrownBy(mapping::start).isInstanceOf(IllegalStateException.class);
        assertThat(mapping.keepsJvmAlive()).isFalse();
    }

    @Test
    void aMappingWhoseStartFailedLetsTheJvmGo() {
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("unstartable",
                new UnstartableSource(InMemoryStream.create("unstartable", 1)),
                RecordingHandler.<byte[]>succeeding()).settings(STREAM).build();
        assertThatThrownBy(mapping::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("injected: the engine cannot start");
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(mapping.keepsJvmAlive()).isFalse();
    }

    @Test
    void aStreamMappingStoppedByAFatalErrorLetsTheJvmGoWithoutAStop() {
        InMemoryStream stream = InMemoryStream.create("fatal", 1);
        stream.put("k", "r0");
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("fatal", stream,
                RecordingHandler.<byte[]>succeeding().behave(batch -> {
                    throw new OutOfMemoryError("injected");
                })).settings(STREAM).build();
        mapping.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> mapping.state() == MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: stopped after a fatal error");
        assertThat(mapping.keepsJvmAlive()).isFalse();
    }

    @Test
    void aQueueMappingStoppedByAFatalErrorLetsTheJvmGoWithoutAStop() {
        InMemoryQueue queue = InMemoryQueue.standard("fatal").build();
        queue.send("m0");
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder("fatal",
                queue, batch -> {
                    throw new OutOfMemoryError("injected");
                }).settings(QUEUE).build();
        mapping.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> mapping.state() == MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: fatal error");
        assertThat(mapping.keepsJvmAlive()).isFalse();
    }

    private static List<Thread> keepAliveThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals(KeepAlive.THREAD_NAME)).toList();
    }

    /** A source that brings its own engine, as Kafka's does, one whose start fails. */
    private static final class UnstartableSource extends ForwardingStreamSource<byte[]>
            implements EngineFactory<byte[]> {

        UnstartableSource(InMemoryStream stream) {
            super(stream);
        }

        @Override
        public MappingEngine engine(StreamContext<byte[]> ctx) {
            return new MappingEngine() {
                @Override
                public void start() {
                    throw new IllegalStateException("injected: the engine cannot start");
                }

                @Override
                public StopResult stop(Duration timeout) {
                    return new StopResult(true, Map.of(), 0, List.of());
                }

                @Override
                public List<ShardStatus> shards() {
                    return List.of();
                }
            };
        }
    }
}

package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.MappingLogName;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HandlerThreads chooses the thread a stream mapping's lanes call the handler on; the lanes keep their names and
 * their mapping's log name either way. Why PLATFORM matters: {@link PinnedHandlerTest}.
 */
class HandlerThreadsTest {

    /** The threads the handler ran on. */
    private final Set<Thread> handlerThreads = ConcurrentHashMap.newKeySet();
    /** The mapping names the handler's threads were bound to for logging. */
    private final Set<String> logNames = ConcurrentHashMap.newKeySet();
    private final AtomicInteger handled = new AtomicInteger();
    private final InMemoryStream stream = InMemoryStream.create("threads", 2);
    private EventSourceMapping<byte[]> mapping;

    @AfterEach
    void stop() {
        if (mapping != null) {
            Streams.stopQuietly(mapping);
        }
    }

    private void run(StreamSettings settings) {
        Streams.fill(stream, 40, 8);
        mapping = EventSourceMapping.<byte[]>builder("threads", stream, batch -> {
            handlerThreads.add(Thread.currentThread());
            logNames.add(String.valueOf(MappingLogName.current()));
            handled.addAndGet(batch.records().size());
            return BatchResult.success();
        }).settings(settings).build();
        mapping.start();
        await().until(() -> handled.get() >= 40);
    }

    @Test
    void byDefaultTheHandlerRunsOnVirtualThreads() {
        run(Streams.fast().parallelizationFactor(2).build());

        assertThat(handlerThreads).isNotEmpty().allSatisfy(thread -> assertThat(thread.isVirtual()).isTrue());
        assertLanesNamedAndBound();
    }

    @Test
    void withPlatformTheHandlerRunsOnDaemonPlatformThreadsOfTheSameNames() {
        run(Streams.fast().parallelizationFactor(2).handlerThreads(HandlerThreads.PLATFORM).build());

        assertThat(handlerThreads).isNotEmpty().allSatisfy(thread -> {
            assertThat(thread.isVirtual()).isFalse();
            assertThat(thread.isDaemon()).isTrue();
        });
        assertLanesNamedAndBound();
    }

    /** Names as before the setting: esm4j-{mapping}-{shard}-lane-{n}; log lines name the mapping. */
    private void assertLanesNamedAndBound() {
        String shards = String.join("|", stream.openShardIds());
        assertThat(handlerThreads).extracting(Thread::getName)
                .allMatch(name -> name.matches("esm4j-threads-(" + shards + ")-lane-\\d+"), "a lane's name");
        assertThat(logNames).containsExactly("threads");
    }
}

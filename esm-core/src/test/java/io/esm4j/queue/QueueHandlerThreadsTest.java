package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.handler.BatchResult;
import io.esm4j.internal.MappingLogName;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HandlerThreads chooses the thread a queue mapping's pollers call the handler on; the pollers keep their names and
 * their mapping's log name either way.
 */
class QueueHandlerThreadsTest {

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("threads");
    /** The threads the handler ran on. */
    private final Set<Thread> handlerThreads = ConcurrentHashMap.newKeySet();
    /** The mapping names the handler's threads were bound to for logging. */
    private final Set<String> logNames = ConcurrentHashMap.newKeySet();

    private void run(QueueSettings settings) {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(fixture.clock).build();
        IntStream.range(0, 30).forEach(i -> queue.send("m" + i));
        fixture.start(queue, batch -> {
            handlerThreads.add(Thread.currentThread());
            logNames.add(String.valueOf(MappingLogName.current()));
            return BatchResult.success();
        }, settings);
        await().until(() -> queue.size() == 0);
    }

    @Test
    void byDefaultTheHandlerRunsOnVirtualThreads() {
        run(QueueEngineTest.fast().build());

        assertThat(handlerThreads).isNotEmpty().allSatisfy(thread -> assertThat(thread.isVirtual()).isTrue());
        assertPollersNamedAndBound();
    }

    @Test
    void withPlatformTheHandlerRunsOnDaemonPlatformThreadsOfTheSameNames() {
        run(QueueEngineTest.fast().handlerThreads(HandlerThreads.PLATFORM).build());

        assertThat(handlerThreads).isNotEmpty().allSatisfy(thread -> {
            assertThat(thread.isVirtual()).isFalse();
            assertThat(thread.isDaemon()).isTrue();
        });
        assertPollersNamedAndBound();
    }

    /** Names as before the setting: esm4j-{mapping}-poller-{i}; log lines name the mapping. */
    private void assertPollersNamedAndBound() {
        assertThat(handlerThreads).extracting(Thread::getName)
                .allMatch(name -> name.matches("esm4j-threads-poller-\\d"), "a poller's name");
        assertThat(logNames).containsExactly("threads");
    }
}

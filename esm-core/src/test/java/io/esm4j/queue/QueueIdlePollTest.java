package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * IdlePollInterval: a poller whose receive returned nothing does not receive again before the interval has passed
 * since that receive began, so a ReceiveWaitTime of 0 does not poll an idle queue in a loop, in a batching window or
 * not. The assertions are on lower bounds of the gaps between receives, which no slow machine can break.
 */
class QueueIdlePollTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);

    private QueueEventSourceMapping<SqsLikeMessage> mapping;

    @AfterEach
    void stop() throws InterruptedException {
        if (mapping != null) {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    private static QueueSettings.Builder shortPolls() {
        return QueueSettings.builder().receiveWaitTime(Duration.ZERO).idlePollInterval(INTERVAL)
                .maximumConcurrency(2);
    }

    @Test
    void anIdleQueueIsNotShortPolledInALoop() throws Exception {
        FaultyQueue source = new FaultyQueue(InMemoryQueue.standard("idle").build());
        mapping = QueueEventSourceMapping.builder("idle", source, new QueueRecorder())
                .settings(shortPolls().build()).build();
        mapping.start();

        await().until(() -> source.receives().size() >= 6);
        mapping.stop(Duration.ofSeconds(10));

        assertThat(shortestGapAfterAnEmptyReceive(source.receives())).isGreaterThanOrEqualTo(INTERVAL.dividedBy(2));
    }

    @Test
    void insideABatchingWindowAnEmptyShortPollIsNotRepeatedInALoop() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("window").build();
        queue.send("only");
        FaultyQueue source = new FaultyQueue(queue);
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("window", source, handler)
                .settings(shortPolls().batchSize(100).maximumBatchingWindowInSeconds(1).build()).build();
        mapping.start();

        await().until(() -> handler.invocations().size() == 1);
        mapping.stop(Duration.ofSeconds(10));

        assertThat(handler.bodies()).containsExactly("only");
        List<FaultyQueue.Receive> receives = source.receives();
        Thread holder = receives.stream().filter(r -> r.bodies().contains("only")).findFirst().orElseThrow().thread();
        // The poller that holds the message keeps receiving while its window is open, but not in a loop.
        assertThat(receives.stream().filter(r -> r.thread() == holder).count()).isGreaterThan(1);
        assertThat(shortestGapAfterAnEmptyReceive(receives)).isGreaterThanOrEqualTo(INTERVAL.dividedBy(2));
    }

    /** The shortest time from the start of a receive that returned nothing to the start of that poller's next. */
    private static Duration shortestGapAfterAnEmptyReceive(List<FaultyQueue.Receive> receives) {
        Map<Thread, List<FaultyQueue.Receive>> byPoller = new LinkedHashMap<>();
        receives.forEach(r -> byPoller.computeIfAbsent(r.thread(), t -> new ArrayList<>()).add(r));
        List<Duration> gaps = new ArrayList<>();
        for (List<FaultyQueue.Receive> own : byPoller.values()) {
            for (int i = 1; i < own.size(); i++) {
                if (own.get(i - 1).bodies().isEmpty()) {
                    gaps.add(Duration.ofNanos(own.get(i).startNanos() - own.get(i - 1).startNanos()));
                }
            }
        }
        assertThat(gaps).as("gaps after empty receives").isNotEmpty();
        return Collections.min(gaps);
    }
}

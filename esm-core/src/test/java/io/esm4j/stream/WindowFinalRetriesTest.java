package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A tumbling window's failing final invocation is retried like a batch: the handler and the failure record see its
 * own invocations counted in {@code approximateInvokeCount}, as for a batch of records.
 */
class WindowFinalRetriesTest {

    private static final Instant WINDOW_START = Instant.parse("2026-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(WINDOW_START.plusSeconds(1));
    private final InMemoryStream stream = InMemoryStream.create("windows", 1, clock);

    @Test
    void aFailingFinalInvocationCountsItsOwnInvocationsUpToTheGiveUp() throws Exception {
        stream.put("k", "a0".getBytes(StandardCharsets.UTF_8), WINDOW_START.plusSeconds(1));
        // A record of the next window: the first one is read to its end and closes.
        stream.put("k", "b0".getBytes(StandardCharsets.UTF_8), WINDOW_START.plusSeconds(61));
        List<Integer> finalInvokeCounts = new CopyOnWriteArrayList<>();
        CollectingDestination destination = new CollectingDestination();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("windows", stream,
                        RecordingHandler.<byte[]>succeeding().behave(batch -> {
                            TimeWindow window = batch.window();
                            if (window.isFinalInvokeForWindow() && window.start().equals(WINDOW_START)) {
                                finalInvokeCounts.add(batch.approximateInvokeCount());
                                throw new IllegalStateException("the final invocation fails");
                            }
                            return BatchResult.state(Map.of("seen", "yes"));
                        }))
                .settings(Streams.fast().batchSize(2).tumblingWindowInSeconds(60).maximumRetryAttempts(2).build())
                .onFailure(destination).clock(clock).build();
        mapping.start();
        try {
            await().until(() -> destination.received().size() == 1);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(finalInvokeCounts).containsExactly(1, 2, 3);
        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RetryAttemptsExhausted);
            assertThat(failure.requestContext().approximateInvokeCount()).isEqualTo(3);
            assertThat(failure.records()).hasSize(1);
        });
    }
}

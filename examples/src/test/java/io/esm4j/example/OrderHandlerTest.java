package io.esm4j.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.failure.FailureRecord;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.Await;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingDestination;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How an application tests its own stream handler with esm4j as the engine, on the exported API only: an in-memory
 * stream, a clock the test moves, a destination that keeps what was given up, and {@link Await} instead of sleeps.
 * The handler under test ({@link OrderTotals}) adds up order amounts per customer; a record that is not an order
 * ("customer:amount") makes it throw.
 */
class OrderHandlerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private final InMemoryStream stream = InMemoryStream.create("orders", 2, clock);
    private final RecordingDestination failures = new RecordingDestination();
    private final OrderTotals handler = new OrderTotals();
    private EventSourceMapping<byte[]> mapping;

    /** The application's handler: totals per customer, kept where the test can read them. */
    static final class OrderTotals implements BatchHandler<StreamRecord<byte[]>> {
        final Map<String, Integer> totals = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Map<String, String>> closedWindows = new ConcurrentLinkedQueue<>();

        @Override
        public BatchResult handle(Batch<StreamRecord<byte[]>> batch) {
            TimeWindow window = batch.window();
            if (window == null) {
                // Parse the whole batch before changing anything: a batch that fails is retried (and bisected),
                // so totals changed before the failure would count those records twice.
                Map<String, Integer> batchTotals = new ConcurrentHashMap<>();
                batch.records().forEach(record -> add(batchTotals, record));
                batchTotals.forEach((customer, amount) -> totals.merge(customer, amount, Integer::sum));
                return BatchResult.success();
            }
            // With TumblingWindowInSeconds: aggregate in the window's state, publish it at the window's end.
            if (window.isFinalInvokeForWindow()) {
                closedWindows.add(window.state());
                return BatchResult.state(Map.of());
            }
            Map<String, Integer> state = new ConcurrentHashMap<>();
            window.state().forEach((customer, total) -> state.put(customer, Integer.parseInt(total)));
            batch.records().forEach(record -> add(state, record));
            Map<String, String> next = new ConcurrentHashMap<>();
            state.forEach((customer, total) -> next.put(customer, String.valueOf(total)));
            return BatchResult.state(next);
        }

        private static void add(Map<String, Integer> totals, StreamRecord<byte[]> record) {
            String[] order = new String(record.payload(), StandardCharsets.UTF_8).split(":");
            if (order.length != 2) {
                throw new IllegalArgumentException("not an order: record " + record.sequenceNumber());
            }
            totals.merge(order[0], Integer.parseInt(order[1]), Integer::sum);
        }
    }

    private void start(StreamSettings.Builder settings) {
        mapping = EventSourceMapping.builder("order-totals", stream, handler)
                .settings(settings.startingPosition(StartingPosition.TRIM_HORIZON)
                        .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(100)).build())
                .onFailure(failures)
                .clock(clock)
                .build();
        mapping.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (mapping != null) {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    private static String data(Object record) {
        return new String(((StreamRecord<?>) record).payload() instanceof byte[] bytes ? bytes : new byte[0],
                StandardCharsets.UTF_8);
    }

    @Test
    void everyOrderIsCounted() throws Exception {
        for (int i = 0; i < 20; i++) {
            stream.put("customer-" + (i % 4), "customer-" + (i % 4) + ":10");
        }
        start(StreamSettings.builder().batchSize(5));

        Await.checkpointed(mapping, stream, TIMEOUT);

        assertThat(handler.totals).containsOnly(Map.entry("customer-0", 50), Map.entry("customer-1", 50),
                Map.entry("customer-2", 50), Map.entry("customer-3", 50));
        assertThat(failures.received()).isEmpty();
    }

    @Test
    void aMalformedOrderGoesToTheOnFailureDestinationAndTheOthersAreCounted() throws Exception {
        for (int i = 0; i < 10; i++) {
            stream.put("customer-a", i == 4 ? "garbage" : "customer-a:1");
        }
        start(StreamSettings.builder().batchSize(10).bisectBatchOnFunctionError(true).maximumRetryAttempts(1));

        Await.checkpointed(mapping, stream, TIMEOUT);

        assertThat(failures.records()).extracting(OrderHandlerTest::data).containsExactly("garbage");
        FailureRecord failure = failures.received().getFirst();
        assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RetryAttemptsExhausted);
        // Bisection sent the good records through before and after the poison; none was counted twice.
        assertThat(handler.totals).containsExactly(Map.entry("customer-a", 9));
    }

    @Test
    void anOrderOlderThanTheMaximumRecordAgeIsGivenUpWithoutReachingTheHandler() throws Exception {
        stream.put("customer-a", "customer-a:7");
        clock.advance(Duration.ofMinutes(5));
        stream.put("customer-a", "customer-a:1");
        start(StreamSettings.builder().maximumRecordAgeInSeconds(60));

        Await.checkpointed(mapping, stream, TIMEOUT);

        assertThat(failures.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
            assertThat(failure.records()).extracting(OrderHandlerTest::data).containsExactly("customer-a:7");
        });
        assertThat(handler.totals).containsExactly(Map.entry("customer-a", 1));
    }

    @Test
    void tumblingWindowsPublishEachMinutesTotalsOnceTheMinuteIsOver() throws Exception {
        String key = "customer-a";
        stream.put(key, "customer-a:1".getBytes(StandardCharsets.UTF_8), START.plusSeconds(5));
        stream.put(key, "customer-a:2".getBytes(StandardCharsets.UTF_8), START.plusSeconds(30));
        stream.put(key, "customer-a:4".getBytes(StandardCharsets.UTF_8), START.plusSeconds(65));
        start(StreamSettings.builder().batchSize(1).tumblingWindowInSeconds(60));

        // The first minute's window closes when its next record is read; its records are then checkpointed.
        Await.until("the first minute's totals", () -> handler.closedWindows.size() == 1, TIMEOUT);
        // The second one closes once the clock has passed its end and the shard was read to it.
        clock.advance(Duration.ofMinutes(3));
        Await.checkpointed(mapping, stream, TIMEOUT);

        assertThat(List.copyOf(handler.closedWindows)).containsExactly(Map.of(key, "3"), Map.of(key, "4"));
    }
    /** The main README's "Test your handler". */
    @Test
    void theReadmesTest() throws Exception {
        stream.put("customer-a", "customer-a:7");
        clock.advance(Duration.ofMinutes(5));
        stream.put("customer-a", "garbage");
        start(StreamSettings.builder().maximumRecordAgeInSeconds(60).maximumRetryAttempts(1));

        Await.checkpointed(mapping, stream, TIMEOUT);

        assertThat(failures.received()).extracting(f -> f.requestContext().condition())
                .containsExactly(FailureCondition.RecordAgeExceeded, FailureCondition.RetryAttemptsExhausted);
    }
}

package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.MappingState;
import io.esm4j.QueueStopResult;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The filter (here FilterCriteria on the source's filter document, which often parses the body) runs once per
 * received message: the collector's verdict goes with the message into its batch, through a carry-over and past the
 * per-key lanes, and a message it failed on still fails as a message, with its cause.
 */
class QueueFilterOnceTest {

    private static final FilterCriteria KEEP = FilterCriteria.of(List.of("{\"body\":[{\"prefix\":\"keep\"}]}"));
    /** A body of about 1 MB that starts with its tag: six of them fill a batch, the seventh is carried over. */
    private static final int BIG = 1_000_000;

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("filtered");
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(fixture.clock)
            .visibilityTimeout(Duration.ofSeconds(30)).build();

    private static String big(String tag) {
        return tag + ":" + "x".repeat(BIG - tag.length() - 1);
    }

    @Test
    void eachReceivedMessageIsTestedOnceWhetherKeptFilteredOutOrFailedOn() {
        queue.send("keep-1");
        queue.send("drop-1");
        String poisonId = queue.send("keep-poison").messageId();
        queue.send("keep-2");
        FaultyQueue source = new FaultyQueue(queue)
                .failFilterDocument("keep-poison"::equals, () -> new IllegalStateException("cannot parse the body"));
        QueueRecorder handler = new QueueRecorder();
        fixture.start(source, handler, QueueEngineTest.fast().retryBackoff(Duration.ofMinutes(10),
                Duration.ofMinutes(15)).build(), builder -> builder.filterCriteria(KEEP));

        // The clock does not move: the poison message stays in flight, and nothing is received twice.
        await().until(() -> queue.size() == 1 && fixture.count(MetricNames.RESTART_COUNT) == 1);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("keep-1", "keep-2");
        assertThat(fixture.count(MetricNames.FILTERED_OUT_EVENT_COUNT)).isEqualTo(1);
        assertThat(fixture.mapping().stateTransitionReason()).startsWith("PROBLEM: filter failed on message "
                + poisonId + ": java.lang.IllegalStateException").doesNotContain("cannot parse");
        for (String body : List.of("keep-1", "drop-1", "keep-poison", "keep-2")) {
            assertThat(source.filterDocuments(body)).as("filter documents of %s", body).isEqualTo(1);
        }
    }

    /** A message the cap left for the next batch keeps its verdict: it is not tested again when that batch opens. */
    @Test
    void aCarriedOverMessageIsNotTestedAgainAndFailsInTheNextBatchIfTheFilterFailedOnIt() {
        IntStream.rangeClosed(1, 6).forEach(i -> queue.send(big("keep-" + i)));
        String poisonId = queue.send(big("keep-poison")).messageId();
        queue.send("keep-8");
        FaultyQueue source = new FaultyQueue(queue).failFilterDocument(body -> body.startsWith("keep-poison"),
                () -> new IllegalStateException("cannot parse the body"));
        QueueRecorder handler = new QueueRecorder();
        fixture.start(source, handler, QueueEngineTest.fast().batchSize(10).maximumConcurrency(2)
                .retryBackoff(Duration.ofMinutes(10), Duration.ofMinutes(15)).build(),
                builder -> builder.filterCriteria(KEEP));

        await().until(() -> queue.size() == 1 && fixture.count(MetricNames.RESTART_COUNT) == 1);
        // One receive took all eight: the poison message and keep-8 were carried over to the next batch.
        assertThat(source.receives()).filteredOn(r -> !r.bodies().isEmpty()).hasSize(1);
        assertThat(handler.invocations()).extracting(List::size).containsExactly(6, 1);
        assertThat(fixture.mapping().stateTransitionReason()).startsWith("PROBLEM: filter failed on message "
                + poisonId + ": java.lang.IllegalStateException");
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::messageId).containsExactly(poisonId);
        assertTestedOncePerReceive(source);
    }

    /**
     * A poller that stops with a message the filter failed on in its carry-over releases it at once, like any carried
     * over message: it is neither tested again, nor failed, nor reported.
     */
    @Test
    void aStopReleasesACarriedOverMessageTheFilterFailedOnAtOnce() throws Exception {
        IntStream.rangeClosed(1, 6).forEach(i -> queue.send(big("keep-" + i)));
        queue.send(big("keep-poison"));
        queue.send("keep-8");
        FaultyQueue source = new FaultyQueue(queue).failFilterDocument(body -> body.startsWith("keep-poison"),
                () -> new IllegalStateException("cannot parse the body"));
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            inHandler.countDown();
            release.await();
            return BatchResult.success();
        });
        fixture.start(source, handler, QueueEngineTest.fast().batchSize(10).maximumConcurrency(2).build(),
                builder -> builder.filterCriteria(KEEP));
        inHandler.await();

        CompletableFuture<QueueStopResult> stopped = CompletableFuture.supplyAsync(() -> {
            try {
                return fixture.mapping().stop(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().until(() -> fixture.mapping().state() == MappingState.DISABLING);
        release.countDown();
        assertThat(stopped.get(30, TimeUnit.SECONDS).drainedInTime()).isTrue();

        assertThat(handler.invocations()).extracting(List::size).containsExactly(6);
        // The clock stands still: only a release (visibility 0) makes the carried-over messages visible again.
        assertThat(queue.approximateNumberOfMessages()).isEqualTo(2);
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isZero();
        assertThat(fixture.mapping().stateTransitionReason()).doesNotContain("filter failed");
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isZero();
        assertTestedOncePerReceive(source);
    }

    /**
     * Per-key lanes: messages move between pollers, and those the filter fails on (once each) come back at once with
     * FailedMessageVisibility 0 and are then handled. Every receive of a message tests it once, never again.
     */
    @Test
    void withPerKeyLanesEachReceiveTestsItsMessageOnceAndFailedOnesComeBackAsFailedMessageVisibilitySays() {
        InMemoryQueue lanesQueue = InMemoryQueue.standard("lanes").build();
        IntStream.range(0, 200).forEach(i -> lanesQueue.send("keep-k" + (i % 10) + ":" + i));
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        FaultyQueue source = new FaultyQueue(lanesQueue).failFilterDocument(
                body -> Integer.parseInt(body.substring(body.indexOf(':') + 1)) % 3 == 0 && failedOnce.add(body),
                () -> new IllegalArgumentException("flaky document"));
        QueueRecorder handler = new QueueRecorder();
        fixture.start(source, handler, QueueEngineTest.fast().maximumConcurrency(4).build(),
                builder -> builder.clock(Clock.systemUTC()).filterCriteria(KEEP)
                        .orderingKey(message -> QueueRecorder.body(message).substring(5, 7))
                        .failedMessageVisibility(message -> Duration.ZERO));

        await().atMost(Duration.ofSeconds(60)).until(() -> lanesQueue.size() == 0);
        assertThat(handler.bodies()).hasSize(200).doesNotHaveDuplicates();
        assertThat(failedOnce).hasSize(67);
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isPositive();
        assertTestedOncePerReceive(source);
    }

    /** Every message's filter document was built exactly as many times as the message was received. */
    private static void assertTestedOncePerReceive(FaultyQueue source) {
        Map<String, Integer> receives = new HashMap<>();
        source.receives().forEach(r -> r.bodies().forEach(body -> receives.merge(body, 1, Integer::sum)));
        assertThat(receives).isNotEmpty();
        receives.forEach((body, times) -> assertThat(source.filterDocuments(body))
                .as("filter documents of %s, received %d times", body.substring(0, Math.min(20, body.length())), times)
                .isEqualTo(times));
    }
}

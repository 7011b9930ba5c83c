package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.MappingState;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.QueueStopResult;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failures of the functions a mapping is built with (filter, ordering key, failed-message visibility) and fatal
 * errors: a failing function fails its message and restarts its poller; a fatal error stops the mapping.
 */
class QueueSupervisionTest {

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("supervised");
    private final MutableClock clock = fixture.clock;
    private final InMemoryQueue dlq = InMemoryQueue.standard("work-dlq").clock(clock).build();
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock)
            .visibilityTimeout(Duration.ofSeconds(30)).deadLetterQueue(dlq, 2).build();

    /**
     * A poller that failed waits at least 5 minutes before it receives again, so that its problem stays in the state
     * transition reason while the test looks, and the next receive of a message is made by another poller.
     */
    private static QueueSettings.Builder slowRestarts() {
        return QueueEngineTest.fast().retryBackoff(Duration.ofMinutes(10), Duration.ofMinutes(15));
    }

    @Test
    void aMessageTheFilterFailsOnGoesToTheDeadLetterQueueWhileTheRestOfItsBatchIsHandled() {
        FaultyQueue source = new FaultyQueue(queue)
                .failFilterDocument("poison"::equals, () -> new IllegalStateException("cannot build the document"));
        poisonIsRetriedByTheQueueAndEndsInTheDeadLetterQueue(source, "filter",
                builder -> builder.filterCriteria(FilterCriteria.of(List.of("{\"body\":[{\"prefix\":\"m\"}]}"))));
    }

    @Test
    void aMessageTheOrderingKeyFailsOnGoesToTheDeadLetterQueueWhileTheRestOfItsBatchIsHandledInOrder() {
        poisonIsRetriedByTheQueueAndEndsInTheDeadLetterQueue(queue, "orderingKey",
                builder -> builder.orderingKey(message -> {
                    if (QueueRecorder.body(message).equals("poison")) {
                        throw new IllegalStateException("no key in this message");
                    }
                    return "k";
                }));
    }

    /**
     * Three pollers with slow restarts: the poller that meets the poison message hands its other messages to the
     * handler and then backs off, so each of the poison message's receives is made by a different poller; the third
     * receive moves it to the DLQ (maxReceiveCount 2).
     */
    private void poisonIsRetriedByTheQueueAndEndsInTheDeadLetterQueue(
            QueueSource<SqsLikeMessage> source, String function,
            UnaryOperator<QueueEventSourceMapping.Builder<SqsLikeMessage>> options) {
        queue.send("m0");
        queue.send("m1");
        String poisonId = queue.send("poison").messageId();
        queue.send("m3");
        QueueRecorder handler = new QueueRecorder();
        fixture.start(source, handler, slowRestarts().maximumConcurrency(3).build(), options);

        await().until(() -> queue.size() == 1);
        assertThat(handler.invocations()).containsExactly(List.of("m0", "m1", "m3"));
        assertThat(fixture.mapping().state()).isEqualTo(MappingState.ENABLED);
        assertThat(fixture.mapping().stateTransitionReason()).startsWith("PROBLEM: " + function + " failed on message "
                + poisonId + ": java.lang.IllegalStateException").doesNotContain("poison");
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isEqualTo(1);

        clock.advance(Duration.ofSeconds(31));
        await().until(() -> fixture.count(MetricNames.RESTART_COUNT) == 2);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> dlq.size() == 1);
        assertThat(queue.size()).isZero();
        assertThat(handler.bodies()).containsExactly("m0", "m1", "m3");
    }

    /**
     * A function that parses a part of the body fails with the JDK's own message, which quotes it: the state transition
     * reason (shown by the worker without authentication) keeps the class, never the body.
     */
    @Test
    void aFunctionFailingOnAMessageShowsItsClassButNotItsMessageWhichQuotesTheBody() {
        String body = "card=4111111111111111";
        queue.send(body);
        QueueRecorder handler = new QueueRecorder();
        fixture.start(queue, handler, slowRestarts().build(), builder -> builder.orderingKey(
                message -> String.valueOf(Integer.parseInt(QueueRecorder.body(message)))));

        await().until(() -> fixture.count(MetricNames.RESTART_COUNT) == 1);
        assertThat(fixture.mapping().stateTransitionReason())
                .contains("orderingKey failed on message", "java.lang.NumberFormatException")
                .doesNotContain("4111111111111111");
    }

    @Test
    void anOrderingKeyThatThrowsOnceLeaksNoKeyAndEveryMessageIsHandledInKeyOrder() {
        InMemoryQueue lanesQueue = InMemoryQueue.standard("lanes").build();
        IntStream.range(0, 1_000).forEach(i -> lanesQueue.send("k" + (i % 10) + ":" + i));
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        QueueRecorder handler = new QueueRecorder();
        fixture.start(lanesQueue, handler, QueueEngineTest.fast().maximumConcurrency(4).build(),
                builder -> builder.clock(Clock.systemUTC()).orderingKey(message -> {
                    String body = QueueRecorder.body(message);
                    if (Integer.parseInt(body.substring(3)) % 3 == 0 && failedOnce.add(body)) {
                        throw new IllegalArgumentException("flaky key lookup");
                    }
                    return body.substring(0, 2);
                }).failedMessageVisibility(message -> Duration.ZERO));

        await().atMost(Duration.ofSeconds(60)).until(() -> lanesQueue.size() == 0);
        assertThat(Set.copyOf(handler.bodies())).hasSize(1_000);
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isPositive();
    }

    @Test
    void aNullOrderingKeyMeansNoKey() {
        InMemoryQueue lanesQueue = InMemoryQueue.standard("lanes").build();
        IntStream.range(0, 20).forEach(i -> lanesQueue.send((i % 2 == 0 ? "k1:" : "none:") + i));
        QueueRecorder handler = new QueueRecorder();
        fixture.start(lanesQueue, handler, QueueEngineTest.fast().batchSize(3).build(),
                builder -> builder.clock(Clock.systemUTC())
                        .orderingKey(message -> QueueRecorder.body(message).startsWith("k1") ? "k1" : null));

        await().until(() -> lanesQueue.size() == 0);
        assertThat(handler.bodies()).hasSize(20).doesNotHaveDuplicates();
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isZero();
        assertThat(fixture.mapping().stateTransitionReason()).isEqualTo("User action");
    }

    @Test
    void aFailingFailedMessageVisibilityLeavesThatMessageToItsTimeoutAndStillReleasesTheOthers() {
        queue.send("a");
        queue.send("b");
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(batch.records().stream()
                .filter(m -> failedOnce.add(QueueRecorder.body(m))).map(QueueMessage::messageId).toList()));
        fixture.start(queue, handler, slowRestarts().reportBatchItemFailures(true).build(),
                builder -> builder.failedMessageVisibility(message -> {
                    if (QueueRecorder.body(message).equals("a")) {
                        throw new IllegalStateException("no delay for you");
                    }
                    return Duration.ZERO;
                }));

        // b comes back at once and the other poller handles it; a waits out its visibility timeout.
        await().until(() -> handler.bodies().stream().filter("b"::equals).count() == 2);
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("a");
        assertThat(fixture.mapping().stateTransitionReason())
                .startsWith("PROBLEM: failedMessageVisibility failed on message ");
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isEqualTo(1);

        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("a", "b", "b", "a");
    }

    @Test
    void aFailedMessageVisibilityOutOfRangeLeavesThatMessageToItsTimeoutAndSaysWhatItGave() {
        queue.send("a");
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(batch.records().stream()
                .filter(m -> failedOnce.add(QueueRecorder.body(m))).map(QueueMessage::messageId).toList()));
        fixture.start(queue, handler, slowRestarts().reportBatchItemFailures(true).build(),
                builder -> builder.failedMessageVisibility(message -> Duration.ofHours(13)));

        await().until(() -> fixture.mapping().stateTransitionReason().startsWith("PROBLEM: failedMessageVisibility"));
        assertThat(fixture.mapping().stateTransitionReason()).matches("PROBLEM: failedMessageVisibility gave 13 h for "
                + "message \\S+; expected a duration from 0 s to 12 h, or null.*");
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("a");

        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("a", "a");
    }

    @Test
    void aFatalErrorFromTheHandlerStopsTheMappingAndSaysWhy() throws Exception {
        FaultyQueue source = new FaultyQueue(queue);
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            throw new OutOfMemoryError("simulated heap exhaustion");
        });
        fatalErrorStopsEveryPoller(source, handler, builder -> builder,
                "java.lang.OutOfMemoryError: simulated heap exhaustion");
    }

    @Test
    void aFatalErrorFromTheFilterStopsTheMappingAndSaysWhy() throws Exception {
        FaultyQueue source = new FaultyQueue(queue)
                .failFilterDocument("m0"::equals, () -> new NoClassDefFoundError("com/example/Missing"));
        queue.send("m0");
        fatalErrorStopsEveryPoller(source, new QueueRecorder(),
                builder -> builder.filterCriteria(FilterCriteria.of(List.of("{\"body\":[\"m0\"]}"))),
                "java.lang.NoClassDefFoundError: com/example/Missing");
    }

    private void fatalErrorStopsEveryPoller(
            FaultyQueue source, QueueRecorder handler,
            UnaryOperator<QueueEventSourceMapping.Builder<SqsLikeMessage>> options, String error) throws Exception {
        fixture.start(source, handler, QueueEngineTest.fast().maximumConcurrency(3).build(), options);

        await().until(() -> fixture.mapping().state() == MappingState.DISABLED);
        assertThat(fixture.mapping().stateTransitionReason()).startsWith("PROBLEM: ").contains(error);
        // DISABLED comes only once every poller has ended.
        assertThat(source.receivingThreads()).isNotEmpty().noneMatch(Thread::isAlive);
        assertThat(queue.size()).as("the batch that met the error is not deleted").isEqualTo(1);

        QueueStopResult result = fixture.mapping().stop(Duration.ofMinutes(5));
        assertThat(result.drainedInTime()).isTrue();
        assertThat(fixture.mapping().stateTransitionReason()).contains(error);
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isZero();
    }
}

package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.logging.LogCapture;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.InMemoryQueue.Operation;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A queue endpoint that is down fails every receive, each retried after a backoff, for as long as it is down: each
 * poller logs its first failure at WARN, the next ones at DEBUG, and one line when it works again.
 */
class QueueFailureLogTest {

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("queue-log");

    @Test
    void receivesFailingManyTimesLogOneWarningPerPoller() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(fixture.clock).build();
        int failures = 30;
        queue.failNext(Operation.RECEIVE, failures, () -> new IOException("endpoint down"));
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder();
        try (LogCapture log = new LogCapture(Class.forName("io.esm4j.internal.queue.QueuePoller"))) {
            fixture.start(queue, handler, QueueEngineTest.fast().build());
            await().until(() -> handler.bodies().contains("m0"));
            fixture.mapping().stop(Duration.ofSeconds(10));
            List<String> warnings = log.lines("WARN", "receive failed; the poller restarts");
            List<String> debug = log.lines("DEBUG", "receive failed; the poller restarts");
            assertThat(warnings.size() + debug.size()).isEqualTo(failures);
            // One WARN per poller: each names another.
            assertThat(warnings).allSatisfy(line -> assertThat(line).contains("mapping=queue-log", "failuresInARow=1"));
            assertThat(warnings.stream().map(QueueFailureLogTest::component).distinct()).hasSameSizeAs(warnings);
            assertThat(log.lines().stream().filter(line -> line.contains("java.io.IOException: endpoint down")))
                    .hasSameSizeAs(warnings);
            assertThat(log.lines("INFO", "the poller works again")).hasSizeLessThanOrEqualTo(warnings.size());
        }
    }

    /** A visibility timeout that cannot be read is tried again for every batch: one WARN per poller, not per batch. */
    @Test
    void aVisibilityTimeoutThatCannotBeReadLogsOneWarningPerPoller() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(fixture.clock).build();
        int failures = 30;
        FaultyQueue source = new FaultyQueue(queue).failVisibilityTimeout(failures);
        IntStream.range(0, 60).forEach(i -> queue.send("m" + i));
        QueueRecorder handler = new QueueRecorder();
        try (LogCapture log = new LogCapture(Class.forName("io.esm4j.internal.queue.VisibilityHeartbeat"))) {
            fixture.start(source, handler, QueueEngineTest.fast().batchSize(1).build());
            await().until(() -> handler.bodies().size() >= 60);
            fixture.mapping().stop(Duration.ofSeconds(10));
            List<String> warnings = log.lines("WARN", "cannot read the queue's visibility timeout");
            List<String> debug = log.lines("DEBUG", "cannot read the queue's visibility timeout");
            assertThat(warnings.size() + debug.size()).isEqualTo(failures);
            assertThat(warnings).allSatisfy(line -> assertThat(line).contains("mapping=queue-log", "failuresInARow=1"));
            assertThat(warnings.stream().map(QueueFailureLogTest::component).distinct()).hasSameSizeAs(warnings);
        }
    }

    /**
     * Deletes that fail (the endpoint down) are retried 3 times per batch, then given up: the attempts log at DEBUG,
     * the first give-up at WARN, the next ones at DEBUG, and one INFO line when deletes work again.
     */
    @Test
    void deletesFailingForManyBatchesLogOneWarning() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(fixture.clock).build();
        FaultyQueue source = new FaultyQueue(queue)
                .failAlways(Operation.DELETE, () -> new IOException("endpoint down"));
        int batches = 10;
        IntStream.range(0, batches).forEach(i -> queue.send("m" + i));
        QueueRecorder handler = new QueueRecorder();
        try (LogCapture log = new LogCapture(Class.forName("io.esm4j.internal.queue.QueueCalls"))) {
            fixture.start(source, handler, QueueEngineTest.fast().batchSize(1).build());
            await().until(() -> handler.bodies().size() >= batches);
            await().until(() -> log.lines("giving up on entries").size() >= batches / 2);
            source.heal(Operation.DELETE);
            queue.send("last");
            await().until(() -> handler.bodies().contains("last"));
            fixture.mapping().stop(Duration.ofSeconds(10));
            assertThat(log.lines("WARN", "queue call failed")).isEmpty();
            assertThat(log.lines("DEBUG", "queue call failed")).hasSizeGreaterThanOrEqualTo(3 * batches / 2);
            assertThat(log.lines("WARN", "giving up on entries")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=queue-log", "operation=delete"));
            assertThat(log.lines("DEBUG", "giving up on entries")).hasSizeGreaterThanOrEqualTo(batches / 2 - 1);
            assertThat(log.lines("INFO", "queue calls work again")).hasSize(1);
        }
    }

    private static String component(String line) {
        Matcher m = Pattern.compile("component=(\\S+ \\S+|\\S+)").matcher(line);
        return m.find() ? m.group(1) : line;
    }
}

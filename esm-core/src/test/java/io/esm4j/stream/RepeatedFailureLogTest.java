package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.logging.LogCapture;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A batch the handler keeps failing is retried for as long as it takes (for hours with the defaults): the log says so
 * once with the stack trace, then at DEBUG (with a WARN summary at most every few minutes), and once more when it
 * succeeds again; not a WARN and a stack trace per retry.
 */
class RepeatedFailureLogTest {

    @Test
    void aBatchFailingManyTimesLogsOneWarningAndOneRecovery() throws Exception {
        InMemoryStream stream = InMemoryStream.create("poison-log", 1);
        String shardId = stream.openShardIds().getFirst();
        Streams.fill(stream, 1, 1);
        int failures = 30;
        AtomicInteger calls = new AtomicInteger();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (calls.incrementAndGet() <= failures) {
                throw new IllegalStateException("secret payload r0");
            }
            return BatchResult.success();
        });
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("poison-log", stream, handler)
                .settings(Streams.fast().build()).leaseStore(store).build();
        String last = stream.records(shardId).getLast().sequenceNumber();
        try (LogCapture log = new LogCapture(Invoker.class)) {
            mapping.start();
            try {
                await().until(() -> last.equals(store.sequenceNumber("poison-log", shardId)));
            } finally {
                Streams.stopQuietly(mapping);
            }
            assertThat(log.lines("WARN", "handler failed the batch")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=poison-log", "partition=" + shardId,
                            "failuresInARow=1"));
            assertThat(log.lines("DEBUG", "handler failed the batch")).hasSize(failures - 1)
                    .allSatisfy(line -> assertThat(line).contains("error=java.lang.IllegalStateException")
                            .doesNotContain("secret payload"));
            assertThat(log.lines().stream().filter(line -> line.contains("secret payload"))).hasSize(1);
            assertThat(log.lines("INFO", "handler succeeded again")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("failuresInARow=" + failures));
        }
    }
}

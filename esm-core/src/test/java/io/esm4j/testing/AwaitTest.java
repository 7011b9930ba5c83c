package io.esm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.EventSourceMapping;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.QueueSettings;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The waits a user's test uses instead of sleeping. */
class AwaitTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static StreamSettings.Builder settings() {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).checkpointInterval(Duration.ZERO);
    }

    private static String data(Object record) {
        return new String((byte[]) ((StreamRecord<?>) record).payload(), StandardCharsets.UTF_8);
    }

    @Test
    void checkpointedReturnsOnceEveryRecordPutIsHandledOrGivenUpAcrossASplit() throws Exception {
        InMemoryStream stream = InMemoryStream.create("await", 2);
        RecordingHandler<byte[]> handler = RecordingHandler.failingOn(data -> new String(data,
                StandardCharsets.UTF_8).equals("poison"));
        RecordingDestination destination = new RecordingDestination();
        for (int i = 0; i < 30; i++) {
            stream.put("k" + i, i == 12 ? "poison" : "r" + i);
        }
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("await", stream, handler)
                .settings(settings().batchSize(4).bisectBatchOnFunctionError(true).maximumRetryAttempts(0).build())
                .onFailure(destination).build();
        mapping.start();
        try {
            Await.checkpointed(mapping, stream, TIMEOUT);
            assertThat(handler.succeededCount()).isEqualTo(29);
            assertThat(destination.records()).extracting(AwaitTest::data).containsExactly("poison");
            assertThat(destination.received().getFirst().requestContext().condition())
                    .isEqualTo(FailureCondition.RetryAttemptsExhausted);

            String parent = stream.openShardIds().getFirst();
            List<String> children = stream.split(parent);
            for (int i = 0; i < 10; i++) {
                stream.put("after-split-" + i, "s" + i);
            }
            Await.checkpointed(mapping, stream, TIMEOUT);
            assertThat(handler.succeededCount()).isEqualTo(39);
            assertThat(children).allSatisfy(child -> assertThat(mapping.shards())
                    .anyMatch(status -> status.shardId().equals(child)));
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void checkpointedNamesTheShardThatIsBehindWhenTheTimeoutPasses() throws Exception {
        InMemoryStream stream = InMemoryStream.create("await", 1);
        stream.put("k", "poison");
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("await", stream,
                        RecordingHandler.<byte[]>failingOn(data -> true))
                .settings(settings().build()).build();
        mapping.start();
        try {
            String shard = stream.openShardIds().getFirst();
            String last = stream.records(shard).getLast().sequenceNumber();
            assertThatThrownBy(() -> Await.checkpointed(mapping, stream, Duration.ofMillis(200)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining(shard + " (" + last + ", TRIM_HORIZON)")
                    .hasMessageContaining("mapping 'await'").hasMessageContaining(" within 200 ms;");
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void drainedReturnsOnceTheQueueIsEmpty() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("await").build();
        for (int i = 0; i < 25; i++) {
            queue.send("m" + i);
        }
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder("await",
                        queue, batch -> BatchResult.success())
                .settings(QueueSettings.builder().receiveWaitTime(Duration.ofMillis(50)).build()).build();
        mapping.start();
        try {
            Await.drained(mapping, queue, TIMEOUT);
            assertThat(queue.size()).isZero();
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void untilSaysWhatItWaitedFor() {
        assertThatThrownBy(() -> Await.until("the answer", () -> false, Duration.ofMillis(20)))
                .isInstanceOf(AssertionError.class).hasMessage("not within 20 ms: the answer");
    }
}

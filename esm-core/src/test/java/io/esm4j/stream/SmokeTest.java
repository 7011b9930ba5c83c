package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.stream.RecordingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmokeTest {

    @Test
    void deliversEveryRecordOnceAndCheckpointsTheEndOfEachShard() throws Exception {
        InMemoryStream stream = InMemoryStream.create("smoke", 2);
        Streams.fill(stream, 250, 20);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("smoke", stream, handler)
                .settings(Streams.fast().build()).leaseStore(store).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == 250);
            assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
            assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
        } finally {
            StopResult result = mapping.stop(Duration.ofSeconds(10));
            assertThat(result.drainedInTime()).isTrue();
            assertThat(result.recordsNotProcessed()).isZero();
        }
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates().hasSize(250);
        for (String shardId : stream.openShardIds()) {
            String last = stream.records(shardId).getLast().sequenceNumber();
            assertThat(store.load("smoke", shardId)).contains(new Checkpoint.AtSequenceNumber(last));
        }
        assertThat(handler.invocations()).allSatisfy(b -> assertThat(b.size()).isLessThanOrEqualTo(100));
    }
}

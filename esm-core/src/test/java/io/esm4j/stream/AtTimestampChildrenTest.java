package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * StartingPosition's docs: children of a resharding start at TRIM_HORIZON, except with AT_TIMESTAMP, whose timestamp
 * they keep (every child record is newer than its parents' anyway).
 */
class AtTimestampChildrenTest {

    @Test
    void withAtTimestampTheChildrenOfAShardBeingReadKeepTheTimestamp() throws Exception {
        InMemoryStream stream = InMemoryStream.create("at-timestamp", 1);
        String parent = stream.openShardIds().getFirst();
        Instant from = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        ObservedSource source = new ObservedSource(stream);
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        StreamSettings settings = Streams.fast().startingPositionAtTimestamp(from).build();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("at-timestamp", source, handler)
                .settings(settings).build();
        mapping.start();
        List<String> children;
        try {
            stream.put("k", "r0");
            await().until(() -> handler.succeededCount() == 1);
            children = stream.split(parent);
            stream.put("k", "r1");
            await().until(() -> handler.succeededCount() == 2);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(source.opened).containsExactlyInAnyOrder(
                new ObservedSource.Opened(parent, new ReadStart.AtTimestamp(from)),
                new ObservedSource.Opened(children.get(0), new ReadStart.AtTimestamp(from)),
                new ObservedSource.Opened(children.get(1), new ReadStart.AtTimestamp(from)));
    }
}

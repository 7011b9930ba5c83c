package io.esm4j.stream;

import io.esm4j.EventSourceMapping;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.IntStream;

/** Shortcuts shared by the stream tests. */
final class Streams {

    private Streams() {}

    /** Settings from TRIM_HORIZON with fast retries and shard syncs, so that tests take no real time to speak of. */
    static StreamSettings.Builder fast() {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .idlePollInterval(Duration.ofMillis(5))
                .shardSyncInterval(Duration.ofMillis(100))
                .checkpointInterval(Duration.ZERO);
    }

    /** Puts {@code count} records with data "r0", "r1", ... and partition keys "k0".."k{keys-1}". */
    static void fill(InMemoryStream stream, int count, int keys) {
        IntStream.range(0, count).forEach(i -> stream.put("k" + (i % keys), "r" + i));
    }

    /** A partition key whose records go to {@code shardId}: "key-n" for the smallest such n from {@code from}. */
    static String keyOn(InMemoryStream stream, String shardId, int from) {
        for (int n = from; ; n++) {
            if (stream.shardFor("key-" + n).equals(shardId)) {
                return "key-" + n;
            }
        }
    }

    /** The data of a record put by {@link #fill} or {@code InMemoryStream.put}, as text. */
    static String text(StreamRecord<byte[]> record) {
        return utf8(record.payload());
    }

    static String utf8(byte[] payload) {
        return new String(payload, StandardCharsets.UTF_8);
    }

    static void stopQuietly(EventSourceMapping<?> mapping) {
        try {
            mapping.stop(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

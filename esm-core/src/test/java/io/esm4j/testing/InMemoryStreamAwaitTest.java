package io.esm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.stream.AwaitableShardReader;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The in-memory stream's readers can be awaited: a wait at the tail ends with a put to the shard, with the shard's
 * end, or with an interrupt. The waits here are an hour long, so only the wake-up can end them.
 */
class InMemoryStreamAwaitTest {

    private static final Duration HOUR = Duration.ofHours(1);

    private final InMemoryStream stream = InMemoryStream.create("s", 1);
    private final String shardId = stream.openShardIds().getFirst();

    private AwaitableShardReader<byte[]> reader() {
        return (AwaitableShardReader<byte[]>) stream.openReader(shardId, new ReadStart.TrimHorizon());
    }

    private record Waiting(Thread thread, CompletableFuture<FetchResult<byte[]>> result) {}

    /** Starts a fetch that may wait an hour on a thread of its own, and returns once it waits. */
    private static Waiting waiting(AwaitableShardReader<byte[]> reader) {
        CompletableFuture<FetchResult<byte[]>> result = new CompletableFuture<>();
        Thread thread = Thread.ofVirtual().start(() -> {
            try {
                result.complete(reader.fetch(10, HOUR));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> thread.getState() == Thread.State.TIMED_WAITING);
        return new Waiting(thread, result);
    }

    @Test
    void aZeroWaitAtTheTailReturnsEmptyAndAPutEndsALongWait() throws Exception {
        AwaitableShardReader<byte[]> reader = reader();
        assertThat(reader.fetch(10, Duration.ZERO).records()).isEmpty();
        Waiting fetch = waiting(reader);

        stream.put("k", "late");

        FetchResult<byte[]> result = fetch.result().get(60, TimeUnit.SECONDS);
        assertThat(result.records()).extracting(r -> new String(r.payload())).containsExactly("late");
        assertThat(result.shardEnded()).isFalse();
    }

    @Test
    void aSplitEndsTheParentsWaitWithItsEnd() throws Exception {
        AwaitableShardReader<byte[]> reader = reader();
        Waiting fetch = waiting(reader);

        stream.split(shardId);

        FetchResult<byte[]> result = fetch.result().get(60, TimeUnit.SECONDS);
        assertThat(result.records()).isEmpty();
        assertThat(result.shardEnded()).isTrue();
    }

    @Test
    void anInterruptEndsTheWait() throws Exception {
        Waiting fetch = waiting(reader());

        fetch.thread().interrupt();

        assertThatThrownBy(() -> fetch.result().get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InterruptedException.class);
    }

    @Test
    void aNegativeWaitIsRefusedWithTheValue() {
        assertThatThrownBy(() -> reader().fetch(10, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.001S");
    }

    @Test
    void thePlainFetchStillReturnsEmptyAfterTheLongPoll() throws Exception {
        stream.longPoll(Duration.ZERO);
        assertThat(reader().fetch(10).records()).isEmpty();
    }
}

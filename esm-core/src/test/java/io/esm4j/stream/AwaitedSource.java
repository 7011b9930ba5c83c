package io.esm4j.stream;

import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link InMemoryStream} seen through the SPI with its readers still awaitable, and every fetch recorded: which
 * wait the engine asked for, and how the fetch ended. A test sees from it that an idle shard waits instead of
 * polling, and which fetch a wake-up (a put, a stop, a shard's end) ended.
 *
 * <p>A wait the engine asks for beyond {@link #STRETCH_ABOVE} (its bound, tens of seconds) is stretched to an hour:
 * a wake-up that does not come then hangs the test (its await fails) instead of ending at the engine's bound, which
 * would look like the wake-up itself.
 */
final class AwaitedSource extends ForwardingStreamSource<byte[]> {

    static final Duration STRETCH_ABOVE = Duration.ofSeconds(10);
    private static final Duration STRETCHED = Duration.ofHours(1);

    enum Outcome { RECORDS, EMPTY, SHARD_ENDED, INTERRUPTED, FAILED }

    /** A finished fetch: the {@code index}-th started of this source. */
    record Fetch(int index, String shardId, Duration maxWait, Outcome outcome, List<String> data) {}

    final InMemoryStream stream;
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger plainFetches = new AtomicInteger();
    final List<Fetch> finished = new CopyOnWriteArrayList<>();
    /** Per shard, the index of the fetch in progress that may wait (a wait above zero). */
    private final Map<String, Integer> waiting = new ConcurrentHashMap<>();

    AwaitedSource(InMemoryStream stream) {
        super(stream);
        this.stream = stream;
    }

    /** The fetch of the shard that is waiting now, if any. */
    Optional<Integer> waiting(String shardId) {
        return Optional.ofNullable(waiting.get(shardId));
    }

    Optional<Fetch> finished(int index) {
        return finished.stream().filter(f -> f.index() == index).findFirst();
    }

    /** The fetch that returned the record with this data. */
    Optional<Fetch> returning(String data) {
        return finished.stream().filter(f -> f.data().contains(data)).findFirst();
    }

    @Override
    public ShardReader<byte[]> openReader(String shardId, ReadStart start) {
        AwaitableShardReader<byte[]> reader = (AwaitableShardReader<byte[]>) stream.openReader(shardId, start);
        return new AwaitableShardReader<>() {
            @Override
            public FetchResult<byte[]> fetch(int maxRecords) throws Exception {
                plainFetches.incrementAndGet();
                return reader.fetch(maxRecords);
            }

            @Override
            public FetchResult<byte[]> fetch(int maxRecords, Duration maxWait) throws Exception {
                int index = started.incrementAndGet();
                if (maxWait.isPositive()) {
                    waiting.put(shardId, index);
                }
                Outcome outcome = Outcome.FAILED;
                List<String> data = List.of();
                try {
                    FetchResult<byte[]> result = reader.fetch(maxRecords,
                            maxWait.compareTo(STRETCH_ABOVE) > 0 ? STRETCHED : maxWait);
                    data = result.records().stream().map(Streams::text).toList();
                    outcome = result.shardEnded() ? Outcome.SHARD_ENDED
                            : result.records().isEmpty() ? Outcome.EMPTY : Outcome.RECORDS;
                    return result;
                } catch (InterruptedException e) {
                    outcome = Outcome.INTERRUPTED;
                    throw e;
                } finally {
                    waiting.remove(shardId, index);
                    finished.add(new Fetch(index, shardId, maxWait, outcome, data));
                }
            }

            @Override
            public void close() {
                reader.close();
            }
        };
    }
}

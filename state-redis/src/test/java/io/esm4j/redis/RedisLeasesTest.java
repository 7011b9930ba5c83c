package io.esm4j.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.Lease;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Workers of one mapping sharing an 8-shard stream through leases in Redis, each with a connection of its own: they
 * balance, a joining worker gets its share handed over and a stopping one hands its shards over at once (no record
 * handled twice), and the shards of a worker cut off from Redis move after the failover time (nothing lost, per-key
 * order kept).
 */
class RedisLeasesTest {

    private static final String NAME = "orders";
    private static final int SHARDS = 8;
    private static final int KEYS = 16;
    private static final Duration STOP = Duration.ofSeconds(10);
    /** Far above what a quiet machine needs (a few seconds): the tests wait for states, not for times. */
    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final LocalRedis redis = new LocalRedis();

    private final RedisLeaseStoreSettings settings = RedisLeaseStoreSettings.builder()
            .keyPrefix("leases-test:" + UUID.randomUUID() + ":").build();
    private final InMemoryStream stream = InMemoryStream.create("shared", SHARDS);
    private final RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
    private final List<EventSourceMapping<byte[]>> started = new ArrayList<>();
    private RedisLeaseStore observer;
    private int put;

    @AfterEach
    void stopWorkers() throws InterruptedException {
        for (EventSourceMapping<byte[]> mapping : started) {
            mapping.stop(STOP);
        }
    }

    @Test
    void workersBalanceAJoiningOneGetsItsShareHandedOverAndAStoppingOneHandsItsShardsOverAtOnce() throws Exception {
        // Leases never expire here: whatever moves, moves because it was handed over.
        StreamSettings settings = settings(Duration.ofMinutes(10));
        EventSourceMapping<byte[]> w1 = worker("w1", settings, redis.connect());
        put(300);
        await().atMost(WAIT).until(() -> balanced(List.of("w1")));

        worker("w2", settings, redis.connect());
        put(300);
        await().atMost(WAIT).until(() -> balanced(List.of("w1", "w2")));
        worker("w3", settings, redis.connect());
        put(300);
        await().atMost(WAIT).until(() -> balanced(List.of("w1", "w2", "w3")));
        await().atMost(WAIT).until(this::allHandled);

        w1.stop(STOP);
        await().atMost(WAIT).until(() -> balanced(List.of("w2", "w3")));
        put(300);
        await().atMost(WAIT).until(this::allHandled);

        assertThat(handled()).as("records handled twice").doesNotHaveDuplicates().hasSize(put);
        assertPerKeyOrder();
    }

    @Test
    void theShardsOfAWorkerCutOffFromRedisMoveAfterTheFailoverTime() throws Exception {
        StreamSettings settings = settings(Duration.ofSeconds(2));
        StatefulRedisConnection<String, String> cutOff = redis.connectRaw();
        worker("w1", settings, cutOff.sync());
        worker("w2", settings, redis.connect());
        put(400);
        await().atMost(WAIT).until(() -> balanced(List.of("w1", "w2")));
        await().atMost(WAIT).until(this::allHandled);

        // w1 can no longer reach Redis: it stops renewing, and releases nothing.
        cutOff.close();
        await().atMost(WAIT).until(() -> balanced(List.of("w2")));
        put(400);
        await().atMost(WAIT).until(this::allHandled);

        assertThat(new HashSet<>(handled())).hasSize(put);
        assertPerKeyOrder();
    }

    private StreamSettings settings(Duration failoverTime) {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .failoverTime(failoverTime).shardSyncInterval(Duration.ofMillis(200))
                .checkpointInterval(Duration.ZERO).build();
    }

    private EventSourceMapping<byte[]> worker(String id, StreamSettings streamSettings,
                                              RedisCommands<String, String> commands) {
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, stream, handler).settings(streamSettings)
                .leaseStore(new RedisLeaseStore(commands, settings)).workerId(id).build();
        mapping.start();
        started.add(mapping);
        return mapping;
    }

    private void put(int count) {
        for (int i = 0; i < count; i++, put++) {
            stream.put("k" + put % KEYS, "r" + put);
        }
    }

    private boolean balanced(List<String> workers) {
        if (observer == null) {
            observer = new RedisLeaseStore(redis.connect(), settings);
        }
        Map<String, Long> owners = observer.list(NAME).stream().filter(l -> !l.ended() && l.owner() != null)
                .collect(Collectors.groupingBy(Lease::owner, Collectors.counting()));
        return owners.keySet().equals(new HashSet<>(workers))
                && owners.values().stream().mapToLong(Long::longValue).sum() == SHARDS
                && owners.values().stream().allMatch(n -> n >= SHARDS / workers.size()
                        && n <= (SHARDS + workers.size() - 1) / workers.size());
    }

    private List<String> handled() {
        return handler.succeeded().stream().map(RedisLeasesTest::text).toList();
    }

    private boolean allHandled() {
        return new HashSet<>(handled()).size() == put;
    }

    /** Per key, a record reaches the handler only after every earlier record of the key did; replays may repeat. */
    private void assertPerKeyOrder() {
        Map<String, Integer> next = new HashMap<>();
        Map<String, List<Integer>> expected = new HashMap<>();
        for (int i = 0; i < put; i++) {
            expected.computeIfAbsent("k" + i % KEYS, k -> new ArrayList<>()).add(i);
        }
        for (StreamRecord<byte[]> record : handler.succeeded()) {
            int n = Integer.parseInt(text(record).substring(1));
            List<Integer> order = expected.get(record.partitionKey());
            int reached = next.getOrDefault(record.partitionKey(), 0);
            if (reached < order.size() && order.get(reached) == n) {
                next.put(record.partitionKey(), reached + 1);
            } else {
                assertThat(order.subList(0, reached)).as("r%d came before its predecessors", n).contains(n);
            }
        }
        assertThat(next.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(put);
    }

    private static String text(StreamRecord<byte[]> record) {
        return new String(record.payload(), StandardCharsets.UTF_8);
    }
}

package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.failure.FailureRecord;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many seeded random configurations and failure patterns, checked against the invariants that must hold whatever
 * the timing (docs/design.md guarantees 1, 2, 5):
 * <ul>
 *   <li>every record is handled successfully or given up to the destination;</li>
 *   <li>within one run of a mapping, each partition key's successful records are strictly in sequence order;</li>
 *   <li>no checkpoint is ever written past a record that was neither handled nor given up (checked at the moment
 *       of every save), and checkpoints never move backwards, also across restarts;</li>
 *   <li>with bisect on and whole-batch failures only, nothing is given up but the failing records themselves.</li>
 * </ul>
 * Each seed picks 150–500 records, shards 1–3, PF 1–10, batch size 1–50, bisect and ReportBatchItemFailures on or off,
 * MaximumRetryAttempts 0–3, sometimes a tiny buffer, poison and flaky records, and 0–2 restarts with the same store.
 */
class RandomizedTest {

    private static final Duration LIVENESS = Duration.ofSeconds(20);

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, 30).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void invariantsHoldForRandomConfigurationsFailuresAndRestarts(long seed) throws Exception {
        new Scenario(seed).run();
    }

    private static final class Scenario {
        final long seed;
        final Random random;
        final String name;
        final int shards;
        final int parallelization;
        final int batchSize;
        final boolean bisect;
        final boolean reportItemFailures;
        final int maxRetries;
        final int maxBuffered;
        final int restarts;
        final int keys;
        final int total;
        final Set<Integer> poison = ConcurrentHashMap.newKeySet();
        /** Flaky record index -> how many of its invocations fail, per run. */
        final Map<Integer, Integer> flaky = new HashMap<>();

        final InMemoryStream stream;
        final Set<String> handled = ConcurrentHashMap.newKeySet();
        final Set<String> givenUp = ConcurrentHashMap.newKeySet();
        final List<FailureRecord> failures = new CopyOnWriteArrayList<>();
        final List<String> earlyCheckpoints = new CopyOnWriteArrayList<>();
        final RecordingLeaseStore store;
        final List<RecordingHandler<byte[]>> segments = new ArrayList<>();
        int put;

        Scenario(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            this.name = "random-" + seed;
            this.shards = 1 + random.nextInt(3);
            this.parallelization = 1 + random.nextInt(10);
            this.batchSize = 1 + random.nextInt(50);
            this.bisect = random.nextBoolean();
            this.reportItemFailures = random.nextBoolean();
            this.maxRetries = random.nextInt(4);
            this.maxBuffered = random.nextInt(3) == 0 ? 5 + random.nextInt(40) : 20_000;
            this.restarts = random.nextInt(3);
            this.keys = 1 + random.nextInt(20);
            this.total = 150 + random.nextInt(351);
            for (int i = 0; i < total; i++) {
                double roll = random.nextDouble();
                if (roll < 0.02) {
                    poison.add(i);
                } else if (roll < 0.08) {
                    flaky.put(i, 1 + random.nextInt(2));
                }
            }
            this.stream = InMemoryStream.create(name, shards);
            this.store = new RecordingLeaseStore().onSave(this::checkNotEarly);
        }

        @Override
        public String toString() {
            return ("seed=%d shards=%d PF=%d batchSize=%d bisect=%b RBIF=%b maxRetries=%d buffer=%d restarts=%d "
                    + "keys=%d records=%d poison=%s").formatted(seed, shards, parallelization, batchSize, bisect,
                    reportItemFailures, maxRetries, maxBuffered, restarts, keys, total, poison);
        }

        void run() throws Exception {
            int initial = random.nextInt(total / 2);
            putUpTo(initial);
            for (int segment = 0; segment <= restarts; segment++) {
                boolean lastSegment = segment == restarts;
                RecordingHandler<byte[]> handler = handler();
                segments.add(handler);
                EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, stream, handler)
                        .settings(settings()).leaseStore(store).onFailure(this::deliver).build();
                mapping.start();
                try {
                    // Records also arrive while the mapping runs.
                    int target = lastSegment ? total : put + random.nextInt(total - put + 1);
                    while (put < target) {
                        putUpTo(Math.min(target, put + 1 + random.nextInt(40)));
                    }
                    if (lastSegment) {
                        awaitLiveness().until(this::everythingFinishedAndCheckpointed);
                    } else {
                        int progress = random.nextInt(put + 1);
                        awaitLiveness().until(() -> {
                            failFastOnEarlyCheckpoint();
                            return finishedCount() >= progress;
                        });
                    }
                } finally {
                    StopResult result = mapping.stop(Duration.ofSeconds(10));
                    assertThat(result.drainedInTime()).as("%s", this).isTrue();
                }
            }
            verify();
        }

        private StreamSettings settings() {
            return Streams.fast().batchSize(batchSize).parallelizationFactor(parallelization)
                    .bisectBatchOnFunctionError(bisect).reportBatchItemFailures(reportItemFailures)
                    .maximumRetryAttempts(maxRetries).maxBufferedRecordsPerShard(maxBuffered)
                    .idlePollInterval(Duration.ofMillis(1)).build();
        }

        private org.awaitility.core.ConditionFactory awaitLiveness() {
            return await().atMost(LIVENESS).pollInterval(Duration.ofMillis(5)).pollDelay(Duration.ZERO);
        }

        private void putUpTo(int count) {
            while (put < count) {
                stream.put("k" + random.nextInt(keys), "r" + put);
                put++;
            }
        }

        /** Poison records always fail; flaky ones fail their first invocations of each run; the rest succeed. */
        private RecordingHandler<byte[]> handler() {
            Map<String, Integer> invocations = new ConcurrentHashMap<>();
            return RecordingHandler.<byte[]>succeeding().behave(batch -> {
                List<String> failing = new ArrayList<>();
                for (StreamRecord<byte[]> record : batch.records()) {
                    int index = Integer.parseInt(Streams.text(record).substring(1));
                    int attempt = invocations.merge(record.sequenceNumber(), 1, Integer::sum);
                    if (poison.contains(index) || attempt <= flaky.getOrDefault(index, 0)) {
                        failing.add(record.sequenceNumber());
                    }
                }
                if (failing.isEmpty()) {
                    batch.records().forEach(r -> handled.add(r.sequenceNumber()));
                    return BatchResult.success();
                }
                String first = batch.records().getFirst().sequenceNumber();
                if (reportItemFailures && Math.floorMod(first.hashCode() + batch.approximateInvokeCount(), 3) != 0) {
                    for (StreamRecord<byte[]> record : batch.records()) {
                        if (record.sequenceNumber().equals(failing.getFirst())) {
                            break;
                        }
                        handled.add(record.sequenceNumber());
                    }
                    return BatchResult.failures(failing);
                }
                throw new IllegalStateException("records failed: " + failing);
            });
        }

        private void deliver(FailureRecord failure) {
            failure.records().forEach(r -> givenUp.add(((StreamRecord<?>) r).sequenceNumber()));
            failures.add(failure);
        }

        /** Runs before every checkpoint is stored: every record up to it must be handled or given up already. */
        private void checkNotEarly(String mappingId, String shardId, Checkpoint checkpoint) {
            for (StreamRecord<byte[]> record : stream.records(shardId)) {
                boolean covered = checkpoint instanceof Checkpoint.ShardEnd
                        || record.sequenceNumber().compareTo(
                                ((Checkpoint.AtSequenceNumber) checkpoint).sequenceNumber()) <= 0;
                if (!covered) {
                    break;
                }
                if (!handled.contains(record.sequenceNumber()) && !givenUp.contains(record.sequenceNumber())) {
                    earlyCheckpoints.add(shardId + ": " + checkpoint + " before " + record.sequenceNumber()
                            + " was handled or given up");
                }
            }
        }

        private boolean everythingFinishedAndCheckpointed() {
            failFastOnEarlyCheckpoint();
            for (String shardId : stream.openShardIds()) {
                List<StreamRecord<byte[]>> records = stream.records(shardId);
                if (!records.isEmpty()
                        && !records.getLast().sequenceNumber().equals(store.sequenceNumber(name, shardId))) {
                    return false;
                }
            }
            return finishedCount() == total;
        }

        /** An early checkpoint may also keep the run from ever finishing: report it rather than time out. */
        private void failFastOnEarlyCheckpoint() {
            assertThat(earlyCheckpoints).as("%s", this).isEmpty();
        }

        /** Records handled or given up, each counted once (a restart may do both to one record). */
        private int finishedCount() {
            Set<String> finished = new java.util.HashSet<>(handled);
            finished.addAll(givenUp);
            return finished.size();
        }

        private void verify() {
            assertThat(earlyCheckpoints).as("%s", this).isEmpty();
            List<StreamRecord<byte[]>> all = stream.openShardIds().stream()
                    .flatMap(shardId -> stream.records(shardId).stream()).toList();
            assertThat(all).as("%s", this).hasSize(total);
            assertThat(all).as("%s: every record handled or given up", this)
                    .allSatisfy(r -> assertThat(handled.contains(r.sequenceNumber())
                            || givenUp.contains(r.sequenceNumber())).as(r.sequenceNumber()).isTrue());
            for (StreamRecord<byte[]> record : all) {
                int index = Integer.parseInt(Streams.text(record).substring(1));
                if (poison.contains(index)) {
                    assertThat(handled).as("%s: poison succeeded", this).doesNotContain(record.sequenceNumber());
                }
            }

            for (int segment = 0; segment < segments.size(); segment++) {
                Map<String, String> lastPerKey = new LinkedHashMap<>();
                for (StreamRecord<byte[]> record : segments.get(segment).succeeded()) {
                    String before = lastPerKey.put(record.partitionKey(), record.sequenceNumber());
                    assertThat(before == null || before.compareTo(record.sequenceNumber()) < 0)
                            .as("%s: run %d, key %s: %s succeeded after %s", this, segment, record.partitionKey(),
                                    record.sequenceNumber(), before)
                            .isTrue();
                }
            }

            Map<String, List<String>> savedPerShard = new HashMap<>();
            for (RecordingLeaseStore.Save save : store.saves()) {
                if (save.checkpoint() instanceof Checkpoint.AtSequenceNumber at) {
                    savedPerShard.computeIfAbsent(save.shardId(), s -> new ArrayList<>()).add(at.sequenceNumber());
                }
            }
            savedPerShard.forEach((shardId, saved) ->
                    assertThat(saved).as("%s: checkpoints of %s", this, shardId).isSorted());

            for (FailureRecord failure : failures) {
                List<String> sequenceNumbers = failure.records().stream()
                        .map(r -> ((StreamRecord<?>) r).sequenceNumber()).toList();
                assertThat(((StreamBatchInfo) failure.batchInfo()).batchSize()).isEqualTo(sequenceNumbers.size());
                assertThat(((StreamBatchInfo) failure.batchInfo()).startSequenceNumber()).isEqualTo(sequenceNumbers.getFirst());
                assertThat(((StreamBatchInfo) failure.batchInfo()).endSequenceNumber()).isEqualTo(sequenceNumbers.getLast());
                assertThat(sequenceNumbers).isSorted();
                assertThat(failure.records()).allSatisfy(r ->
                        assertThat(((StreamRecord<?>) r).shardId()).isEqualTo(((StreamBatchInfo) failure.batchInfo()).shardId()));
            }
            if (bisect && !reportItemFailures) {
                // Whole-batch failures are bisected down to single records: a failing record never takes
                // others with it to the destination.
                for (FailureRecord failure : failures) {
                    assertThat(failure.records()).as("%s", this).singleElement().satisfies(r -> {
                        int index = Integer.parseInt(Streams.text(castRecord(r)).substring(1));
                        assertThat(poison.contains(index) || flaky.containsKey(index)).isTrue();
                    });
                }
            }
        }

        @SuppressWarnings("unchecked")
        private static StreamRecord<byte[]> castRecord(Object record) {
            return (StreamRecord<byte[]>) record;
        }
    }
}

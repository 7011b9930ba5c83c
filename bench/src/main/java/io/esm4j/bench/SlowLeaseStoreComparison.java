package io.esm4j.bench;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamSource;
import io.esm4j.testing.InMemoryStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Does a slow lease store slow processing down? Side by side in one JVM, round after round, each configuration runs
 * a fresh mapping for a fixed time (10 s by default) against a lease store whose checkpoint writes take 0 ms and one
 * whose writes take 100 ms ({@link SlowLeaseStore}), and counts the records handled in that time, the issue's own
 * measure. The order of the two alternates from round to round. One shard, ParallelizationFactor 10, BatchSize 100;
 * the handler sleeps a few ms per batch or does nothing; CheckpointInterval 0 (write as soon as the previous write
 * finished) and the default 1 s. The figure is the ratio slow/fast per round, reported as the median over rounds
 * with its range.
 *
 * <pre>
 * java -Xms2g -Xmx2g -cp bench/target/benchmarks.jar io.esm4j.bench.SlowLeaseStoreComparison \
 *     [--rounds 5] [--warmup 1] [--seconds 10] [--handlers 5,0] [--intervals 0,1000] [--delays 0,100] \
 *     [--source generated|memory] [--records 2600000] [--pf 10] [--batch 100] [--keys 1000]
 * </pre>
 *
 * {@code --handlers} are per-batch sleeps in ms (0: a no-op handler), {@code --intervals} CheckpointInterval in ms,
 * {@code --delays} the store's checkpoint latency in ms (the first is the reference of the ratios).
 * {@code --source generated} (the default) is {@link EndlessStream}, which never runs dry; {@code memory} is an
 * {@link InMemoryStream} pre-filled with {@code --records} records, which only a slow handler cannot exhaust in the
 * run time (no-op handlers are skipped with it).
 */
public final class SlowLeaseStoreComparison {

    private static final int PAYLOAD_BYTES = 32;
    private static int runs;

    private record Config(int handlerMillis, int intervalMillis) {
        String label() {
            return (handlerMillis == 0 ? "no-op handler" : "handler " + handlerMillis + " ms/batch")
                    + ", CheckpointInterval " + (intervalMillis == 0 ? "0" : intervalMillis + " ms");
        }
    }

    private record Run(long handled, double seconds, long writesInWindow, long writes, int mostAtOnce, long stopMillis,
                       double cpuNanosPerRecord, boolean exhausted) {
        double perSecond() {
            return handled / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(Machine.arg(args, "rounds", "5"));
        int warmup = Integer.parseInt(Machine.arg(args, "warmup", "1"));
        int seconds = Integer.parseInt(Machine.arg(args, "seconds", "10"));
        int[] handlers = Machine.ints(Machine.arg(args, "handlers", "5,0"));
        int[] intervals = Machine.ints(Machine.arg(args, "intervals", "0,1000"));
        int[] delays = Machine.ints(Machine.arg(args, "delays", "0,100"));
        String sourceKind = Machine.arg(args, "source", "generated");
        int pf = Integer.parseInt(Machine.arg(args, "pf", "10"));
        int batch = Integer.parseInt(Machine.arg(args, "batch", "100"));
        int keys = Integer.parseInt(Machine.arg(args, "keys", "1000"));
        int records = Integer.parseInt(Machine.arg(args, "records", "2600000"));

        System.out.printf(Locale.ROOT, "slow lease store: %s source, 1 shard, PF %d, BatchSize %d, %d keys, %d s per"
                        + " run, %d warmup + %d rounds; JVM %s, %d cpus, load %s%n", sourceKind, pf, batch, keys,
                seconds, warmup, rounds, Runtime.version(), Runtime.getRuntime().availableProcessors(),
                Machine.loadAverage());
        StreamSource<byte[]> source;
        long available;
        if (sourceKind.equals("memory")) {
            long fillStart = System.nanoTime();
            source = Drain.filledStream(1, records, keys, PAYLOAD_BYTES, InMemoryStream.DEFAULT_LONG_POLL);
            available = records;
            System.out.printf(Locale.ROOT, "filled %,d records in %.1f s%n", records,
                    (System.nanoTime() - fillStart) / 1e9);
        } else if (sourceKind.equals("generated")) {
            source = new EndlessStream(1, keys, PAYLOAD_BYTES);
            available = Long.MAX_VALUE;
        } else {
            throw new IllegalArgumentException("--source is generated or memory, not " + sourceKind);
        }

        List<Config> configs = new ArrayList<>();
        for (int handler : handlers) {
            if (handler == 0 && sourceKind.equals("memory")) {
                System.out.println("skipping the no-op handler: a pre-filled stream runs dry within the run time");
                continue;
            }
            for (int interval : intervals) {
                configs.add(new Config(handler, interval));
            }
        }
        Map<Config, Map<Integer, List<Run>>> results = new LinkedHashMap<>();
        for (int round = 1 - warmup; round <= rounds; round++) {
            boolean counted = round >= 1;
            System.out.printf(Locale.ROOT, "%s %d, load %s%n", counted ? "round" : "warmup", counted ? round
                    : round + warmup, Machine.loadAverage());
            for (Config config : configs) {
                for (int d = 0; d < delays.length; d++) {
                    // Alternate the order of the stores from round to round.
                    int delay = delays[Math.floorMod(round, 2) == 1 ? d : delays.length - 1 - d];
                    Run run = run(source, available, config, delay, pf, batch, seconds);
                    System.out.printf(Locale.ROOT, "  %-48s store %3d ms: %,11d records in %.1f s = %,10.0f/s;"
                                    + " %,6d checkpoint writes in the window (%,d in all, at most %d at once); stop"
                                    + " %,d ms; cpu %.0f ns/record%s%n", config.label(), delay, run.handled(),
                            run.seconds(), run.perSecond(), run.writesInWindow(), run.writes(), run.mostAtOnce(),
                            run.stopMillis(), run.cpuNanosPerRecord(), run.exhausted() ? " STREAM EXHAUSTED" : "");
                    if (counted) {
                        results.computeIfAbsent(config, c -> new LinkedHashMap<>())
                                .computeIfAbsent(delay, x -> new ArrayList<>()).add(run);
                    }
                }
            }
        }
        summary(results, delays, rounds);
        System.out.printf(Locale.ROOT, "load at the end %s%n", Machine.loadAverage());
    }

    private static Run run(StreamSource<byte[]> source, long available, Config config, int delayMillis, int pf,
                           int batch, int seconds) throws Exception {
        System.gc();
        Thread.sleep(300);
        SlowLeaseStore store = new SlowLeaseStore(Duration.ofMillis(delayMillis));
        LongAdder handled = new LongAdder();
        long sleepMillis = config.handlerMillis();
        StreamSettings settings = StreamSettings.builder()
                .startingPosition(StartingPosition.TRIM_HORIZON)
                .batchSize(batch)
                .parallelizationFactor(pf)
                .checkpointInterval(Duration.ofMillis(config.intervalMillis()))
                .build();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder("slow-store-" + (++runs), source,
                        b -> {
                            if (sleepMillis > 0) {
                                Thread.sleep(sleepMillis);
                            }
                            handled.add(b.size());
                            return BatchResult.success();
                        })
                .settings(settings)
                .leaseStore(store)
                .build();
        long cpuStart = Machine.processCpuNanos();
        long start = System.nanoTime();
        mapping.start();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            Thread.sleep(Duration.ofNanos(left));
        }
        long inWindow = handled.sum();
        long elapsed = System.nanoTime() - start;
        long cpu = Machine.processCpuNanos() - cpuStart;
        long writesInWindow = store.checkpointWrites();
        long stopStart = System.nanoTime();
        StopResult result = mapping.stop(Duration.ofSeconds(30));
        long stopMillis = (System.nanoTime() - stopStart) / 1_000_000;
        check(result, handled.sum());
        return new Run(inWindow, elapsed / 1e9, writesInWindow, store.checkpointWrites(), store.mostInProgress(),
                stopMillis, inWindow == 0 ? Double.NaN : (double) cpu / inWindow, handled.sum() >= available);
    }

    /**
     * Stop ends reading and batch forming, so records still queued in the lanes stay unprocessed; but nothing is
     * lost: the final checkpoint is written, no handled record is past what was read, and none before the checkpoint
     * is unhandled (checkpoint &lt;= handled &lt;= checkpoint + records not processed).
     */
    private static void check(StopResult result, long handledInAll) {
        if (!result.drainedInTime() || !result.shardsWithUnsavedCheckpoint().isEmpty()
                || result.checkpoints().size() != 1) {
            throw new IllegalStateException("stop did not end cleanly: " + result);
        }
        Checkpoint last = result.checkpoints().values().iterator().next();
        if (!(last instanceof Checkpoint.AtSequenceNumber at)
                || Long.parseLong(at.sequenceNumber()) > handledInAll
                || Long.parseLong(at.sequenceNumber()) + result.recordsNotProcessed() < handledInAll) {
            throw new IllegalStateException("final checkpoint " + last + " and " + result.recordsNotProcessed()
                    + " records not processed after " + handledInAll + " records handled");
        }
    }

    private static void summary(Map<Config, Map<Integer, List<Run>>> results, int[] delays, int rounds) {
        int reference = delays[0];
        System.out.println();
        System.out.println("records handled per run (median over rounds), and the ratio to the " + reference
                + " ms store per round");
        for (Map.Entry<Config, Map<Integer, List<Run>>> entry : results.entrySet()) {
            List<Run> base = entry.getValue().get(reference);
            System.out.println(entry.getKey().label() + ":");
            for (int delay : delays) {
                List<Run> runs = entry.getValue().get(delay);
                List<Double> handled = runs.stream().map(r -> (double) r.handled()).toList();
                List<Double> ratios = new ArrayList<>();
                List<Double> cpuRatios = new ArrayList<>();
                for (int i = 0; i < Math.min(rounds, runs.size()); i++) {
                    ratios.add((double) runs.get(i).handled() / base.get(i).handled());
                    cpuRatios.add(base.get(i).cpuNanosPerRecord() / runs.get(i).cpuNanosPerRecord());
                }
                List<Double> writes = runs.stream().map(r -> (double) r.writesInWindow()).toList();
                List<Double> cpu = runs.stream().map(Run::cpuNanosPerRecord).toList();
                List<Double> stops = runs.stream().map(r -> (double) r.stopMillis()).toList();
                System.out.printf(Locale.ROOT, "  store %3d ms: median %,11.0f records (%,.0f – %,.0f), ratio median"
                                + " %.3f (%.3f – %.3f), per round %s; by CPU per record (records per CPU second)"
                                + " %.3f (%.3f – %.3f); checkpoint writes in the window median %,.0f; cpu median %.0f"
                                + " ns/record; stop median %,.0f ms%n", delay, Machine.median(handled),
                        Machine.min(handled), Machine.max(handled), Machine.median(ratios), Machine.min(ratios),
                        Machine.max(ratios),
                        ratios.stream().map(r -> String.format(Locale.ROOT, "%.3f", r)).toList(),
                        Machine.median(cpuRatios), Machine.min(cpuRatios), Machine.max(cpuRatios),
                        Machine.median(writes), Machine.median(cpu), Machine.median(stops));
            }
        }
    }
}

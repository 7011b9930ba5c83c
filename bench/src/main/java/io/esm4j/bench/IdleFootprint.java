package io.esm4j.bench;

import io.esm4j.EventSourceMapping;
import io.esm4j.ShardStatus;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamSource;
import io.esm4j.testing.InMemoryStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.management.ObjectName;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * What idle shards cost: one mapping with default settings over an {@link InMemoryStream} of many shards (1,000 by
 * default) that holds no records, while leases are renewed and listed as usual. The in-memory stream's readers are
 * awaitable ({@code AwaitableShardReader}), so every shard's reader waits at the tail for a record, up to the
 * engine's bound (30 s); with {@code --source sleeping} the shards are polled instead: a fetch sleeps the long poll
 * (1 s) and the reader pauses what is left of IdlePollInterval, as for a remote source.
 *
 * <ul>
 *   <li><b>Heap per shard:</b> used heap after a full GC with the mapping started and settled, minus the same with
 *       only the stream (the baseline, measured first in the same JVM), divided by the shard count. A class
 *       histogram ({@code GC.class_histogram}, taken in process through the DiagnosticCommand MBean) at both points
 *       attributes the difference to classes.</li>
 *   <li><b>Idle CPU:</b> the process's CPU time over a window (60 s by default) divided by the wall time, in cores;
 *       the same without the mapping is printed as the baseline. Allocation over the window (every thread's TLAB
 *       bytes, virtual threads' included through their carriers) and GCs are printed too.</li>
 * </ul>
 *
 * <pre>
 * java -Xmx1g -cp bench/target/benchmarks.jar io.esm4j.bench.IdleFootprint \
 *     [--shards 1000] [--baseline 20] [--settle 20] [--measure 60] [--top 15] [--jfr /tmp/idle.jfr] \
 *     [--idle-poll-ms 250] [--failover-s 10] [--pf 1] [--long-poll-ms 1000] [--source memory|sleeping]
 * </pre>
 *
 * The last five change IdlePollInterval, FailoverTime, ParallelizationFactor, the stream's long poll (the wait of a
 * polled fetch: the sleeping source's; the in-memory stream's plain fetch, which the engine does not call) and the
 * stream from their defaults, to see what the idle CPU scales with: {@code --source sleeping} is
 * {@link SleepingEmptyStream}, whose fetches only sleep for the long poll, which leaves the engine's own cost.
 *
 * With {@code --jfr FILE} a JFR recording ("profile" settings) covers the CPU window and is written to FILE; JFR costs
 * CPU itself, so take the idle CPU figure from a run without it.
 */
public final class IdleFootprint {

    private static final String WORKER = "idle-worker";

    public static void main(String[] args) throws Exception {
        int shards = Integer.parseInt(Machine.arg(args, "shards", "1000"));
        int baselineSeconds = Integer.parseInt(Machine.arg(args, "baseline", "20"));
        int settleSeconds = Integer.parseInt(Machine.arg(args, "settle", "20"));
        int measureSeconds = Integer.parseInt(Machine.arg(args, "measure", "60"));
        int top = Integer.parseInt(Machine.arg(args, "top", "15"));
        String jfr = Machine.arg(args, "jfr", null);
        // Defaults: the engine's and the in-memory stream's own. Varying them shows what the idle CPU scales with.
        String idlePollMillis = Machine.arg(args, "idle-poll-ms", null);
        String failoverSeconds = Machine.arg(args, "failover-s", null);
        String longPollMillis = Machine.arg(args, "long-poll-ms", null);
        String pf = Machine.arg(args, "pf", null);
        String sourceKind = Machine.arg(args, "source", "memory");

        System.out.printf(Locale.ROOT, "idle footprint: %,d empty in-memory shards, one mapping, default settings;"
                        + " JVM %s %s, %d cpus, max heap %,d MB, load %s%n", shards, Runtime.version(),
                ManagementFactory.getRuntimeMXBean().getInputArguments(), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, Machine.loadAverage());
        Duration longPoll = longPollMillis == null ? InMemoryStream.DEFAULT_LONG_POLL
                : Duration.ofMillis(Long.parseLong(longPollMillis));
        StreamSource<byte[]> stream = switch (sourceKind) {
            case "memory" -> InMemoryStream.create("idle", shards).longPoll(longPoll);
            case "sleeping" -> new SleepingEmptyStream(shards, longPoll);
            default -> throw new IllegalArgumentException("--source is memory or sleeping, not " + sourceKind);
        };
        StreamSettings.Builder settings = StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON);
        if (idlePollMillis != null) {
            settings.idlePollInterval(Duration.ofMillis(Long.parseLong(idlePollMillis)));
        }
        if (failoverSeconds != null) {
            settings.failoverTime(Duration.ofSeconds(Long.parseLong(failoverSeconds)));
        }
        if (pf != null) {
            settings.parallelizationFactor(Integer.parseInt(pf));
        }
        System.out.printf(Locale.ROOT, "settings: IdlePollInterval %s, FailoverTime %s, ParallelizationFactor %s;"
                        + " source %s, long poll %s%n", idlePollMillis == null ? "default" : idlePollMillis + " ms",
                failoverSeconds == null ? "default" : failoverSeconds + " s", pf == null ? "default" : pf,
                sourceKind, longPollMillis == null ? "default (1 s)" : longPollMillis + " ms");

        Thread.sleep(2_000);
        long baseHeap = usedHeapAfterGc();
        Map<String, long[]> baseHistogram = histogram();
        Window base = Window.measure(baselineSeconds, null);
        System.out.printf(Locale.ROOT, "baseline (stream only): heap after GC %,d KB; %s%n", baseHeap >> 10, base);

        EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder("idle", stream,
                        batch -> BatchResult.success())
                .settings(settings.build())
                .workerId(WORKER)
                .build();
        long start = System.nanoTime();
        mapping.start();
        while (running(mapping) < shards) {
            if (System.nanoTime() - start > Duration.ofMinutes(5).toNanos()) {
                throw new IllegalStateException("only " + running(mapping) + " of " + shards + " shards running");
            }
            Thread.sleep(50);
        }
        System.out.printf(Locale.ROOT, "all %,d shards held and read after %,d ms; settling %d s%n", shards,
                (System.nanoTime() - start) / 1_000_000, settleSeconds);
        Thread.sleep(Duration.ofSeconds(settleSeconds));

        Window idle = Window.measure(measureSeconds, jfr);
        System.out.printf(Locale.ROOT, "idle with the mapping: %s; load %s%n", idle, Machine.loadAverage());
        double mappingCores = idle.cores() - base.cores();
        System.out.printf(Locale.ROOT, "IDLE CPU: %.4f cores for %,d shards (%.4f above the baseline) = %.2f us of"
                        + " CPU per shard per second; allocation %,.0f bytes per shard per second%n",
                idle.cores(), shards, mappingCores, idle.cores() * 1e6 / shards,
                idle.allocatedBytes() / idle.seconds() / shards);

        long heap = usedHeapAfterGc();
        Map<String, long[]> histogram = histogram();
        long perShard = (heap - baseHeap) / shards;
        System.out.printf(Locale.ROOT, "HEAP: %,d KB after GC with the mapping, %,d KB without: %,d KB for %,d"
                        + " shards = %,d bytes (%.1f KB) per shard%n", heap >> 10, baseHeap >> 10,
                (heap - baseHeap) >> 10, shards, perShard, perShard / 1024.0);
        printHistogramDiff(baseHistogram, histogram, shards, top);

        long stopStart = System.nanoTime();
        StopResult result = mapping.stop(Duration.ofSeconds(30));
        System.out.printf(Locale.ROOT, "stop took %,d ms (drained %s, %d checkpoints); load %s%n",
                (System.nanoTime() - stopStart) / 1_000_000, result.drainedInTime(), result.checkpoints().size(),
                Machine.loadAverage());
    }

    /** Shards this worker holds and has read at least once. */
    private static long running(EventSourceMapping<byte[]> mapping) {
        long n = 0;
        for (ShardStatus shard : mapping.shards()) {
            if (WORKER.equals(shard.owner()) && shard.iteratorAgeMillis() >= 0) {
                n++;
            }
        }
        return n;
    }

    /** CPU, allocation and GCs of the whole process over a window. */
    private record Window(double seconds, double cpuSeconds, long allocatedBytes, long gcs, long gcMillis) {

        static Window measure(int seconds, String jfrFile) throws Exception {
            Recording recording = null;
            if (jfrFile != null) {
                recording = new Recording(Configuration.getConfiguration("profile"));
                recording.setDestination(Path.of(jfrFile));
                recording.start();
            }
            long gcs0 = totalGcCount();
            long gcMillis0 = totalGcMillis();
            long allocated0 = totalAllocatedBytes();
            long cpu0 = Machine.processCpuNanos();
            long wall0 = System.nanoTime();
            Thread.sleep(Duration.ofSeconds(seconds));
            long cpu = Machine.processCpuNanos() - cpu0;
            long wall = System.nanoTime() - wall0;
            Window window = new Window(wall / 1e9, cpu / 1e9, totalAllocatedBytes() - allocated0, totalGcCount() - gcs0,
                    totalGcMillis() - gcMillis0);
            if (recording != null) {
                recording.stop();
                recording.close();
                System.out.println("JFR recording written to " + jfrFile);
            }
            return window;
        }

        double cores() {
            return cpuSeconds / seconds;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.4f cores (%.2f s of CPU in %.1f s), allocated %,d KB/s, %d GCs"
                    + " taking %d ms", cores(), cpuSeconds, seconds, (long) (allocatedBytes / seconds) >> 10, gcs,
                    gcMillis);
        }
    }

    private static long totalAllocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    private static long totalGcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    private static long totalGcMillis() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionTime());
        }
        return n;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Class name → {instances, bytes}, from GC.class_histogram (which runs a full GC first). */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> byClass = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 4 && fields[0].endsWith(":")) {
                byClass.merge(fields[3], new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[2])},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        return byClass;
    }

    private static void printHistogramDiff(Map<String, long[]> before, Map<String, long[]> after, int shards,
                                           int top) {
        List<Map.Entry<String, long[]>> growth = new ArrayList<>();
        long totalBytes = 0;
        for (Map.Entry<String, long[]> entry : after.entrySet()) {
            long[] was = before.getOrDefault(entry.getKey(), new long[2]);
            long[] diff = {entry.getValue()[0] - was[0], entry.getValue()[1] - was[1]};
            totalBytes += diff[1];
            growth.add(Map.entry(entry.getKey(), diff));
        }
        for (Map.Entry<String, long[]> entry : before.entrySet()) {
            if (!after.containsKey(entry.getKey())) {
                totalBytes -= entry.getValue()[1];
            }
        }
        growth.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed());
        System.out.printf(Locale.ROOT, "class histogram growth: %,d bytes in all = %,d bytes per shard; top %d:%n",
                totalBytes, totalBytes / shards, top);
        System.out.printf(Locale.ROOT, "  %12s %14s %10s %12s  %s%n", "instances", "bytes", "per shard",
                "bytes/shard", "class");
        for (Map.Entry<String, long[]> entry : growth.subList(0, Math.min(top, growth.size()))) {
            long[] diff = entry.getValue();
            System.out.printf(Locale.ROOT, "  %,12d %,14d %10.1f %,12d  %s%n", diff[0], diff[1],
                    (double) diff[0] / shards, diff[1] / shards, entry.getKey());
        }
    }
}

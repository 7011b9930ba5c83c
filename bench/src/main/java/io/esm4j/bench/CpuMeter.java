package io.esm4j.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The whole process's CPU time per record over one JMH iteration (every thread: engine, handler, GC, JIT), printed
 * at the end of each iteration. On a shared, oversubscribed machine wall-clock records/s swings with other
 * processes' load; CPU time per record swings much less, so it is reported next to the JMH score.
 */
final class CpuMeter {

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long cpuNanosAtStart;
    private long wallNanosAtStart;
    private long records;

    void start() {
        records = 0;
        cpuNanosAtStart = os.getProcessCpuTime();
        wallNanosAtStart = System.nanoTime();
    }

    void add(long recordCount) {
        records += recordCount;
    }

    /** Prints e.g. "cpu 410 ns/record = 2.44 M records/s per busy core; 1.62 of 2 cores busy over 12,000,000 records". */
    void report() {
        long cpu = os.getProcessCpuTime() - cpuNanosAtStart;
        long wall = System.nanoTime() - wallNanosAtStart;
        if (records == 0 || cpu <= 0) {
            return;
        }
        double nsPerRecord = (double) cpu / records;
        System.out.printf(Locale.ROOT, "  [cpu %.0f ns/record = %.2f M records/s per busy core; %.2f of %d cores busy;"
                        + " %,d records]%n",
                nsPerRecord, 1_000.0 / nsPerRecord, (double) cpu / wall, Runtime.getRuntime().availableProcessors(),
                records);
    }
}

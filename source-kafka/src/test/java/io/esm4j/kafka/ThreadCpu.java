package io.esm4j.kafka;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a bench side's CPU time went, by thread group (for bench/README's "where the time goes"): CPU time of every
 * live platform thread at two moments, grouped by name; what the process spent beyond all of them is the VM's own
 * threads (garbage collection, JIT compilation) and threads that ended in between. Virtual threads run on the
 * ForkJoinPool carriers and are counted there.
 */
final class ThreadCpu {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> start;
    private final Map<Long, String> names = new HashMap<>();
    private final long processStart;

    private ThreadCpu() {
        start = cpuByThread();
        processStart = processCpu();
    }

    static ThreadCpu start() {
        return new ThreadCpu();
    }

    /** Nanoseconds a record by group since {@link #start()}, in a fixed order. */
    Map<String, Double> perRecord(long records) {
        Map<Long, Long> end = cpuByThread();
        Map<String, Long> byGroup = new TreeMap<>();
        long threadsTotal = 0;
        for (Map.Entry<Long, Long> thread : end.entrySet()) {
            long spent = thread.getValue() - start.getOrDefault(thread.getKey(), 0L);
            byGroup.merge(group(names.get(thread.getKey())), spent, Long::sum);
            threadsTotal += spent;
        }
        byGroup.put("~vm (gc, jit) and ended threads", processCpu() - processStart - threadsTotal);
        Map<String, Double> perRecord = new LinkedHashMap<>();
        byGroup.forEach((group, nanos) -> perRecord.put(group, (double) nanos / records));
        return perRecord;
    }

    private static String group(String name) {
        if (name.endsWith("-kafka-poll")) {
            return "poll thread";
        }
        if (name.endsWith("-kafka-intake")) {
            return "intake thread";
        }
        if (name.startsWith("ForkJoinPool")) {
            return "lanes (virtual thread carriers)";
        }
        if (name.contains("KafkaBenchmark.main")) {
            return "bench thread (the raw loop)";
        }
        if (name.startsWith("data-plane-") || name.startsWith("kafka-") || name.startsWith("broker-")
                || name.contains("coordinator") || name.contains("raft") || name.contains("quorum")) {
            return "broker and consumer client";
        }
        return "other";
    }

    private Map<Long, Long> cpuByThread() {
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long nanos = threads.getThreadCpuTime(id);
            var info = threads.getThreadInfo(id);
            if (nanos >= 0 && info != null) {
                cpu.put(id, nanos);
                names.put(id, info.getThreadName());
            }
        }
        return cpu;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}

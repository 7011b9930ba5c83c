package io.esm4j.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Attributes the CPU samples of a JFR recording of {@link IdleFootprint} to what an idle mapping does: the readers'
 * idle loop (source long poll, IdlePollInterval pause, handing an empty fetch to the pipeline), the lanes it wakes,
 * the carrier threads that mount and unmount virtual threads, the scheduler of timed parks, lease renewals and the
 * coordinator. It reads {@code jdk.CPUTimeSample} (JDK 25's CPU-time sampler, which also sees time in the VM and the
 * kernel), or {@code jdk.ExecutionSample} if the recording has none.
 *
 * <pre>
 * java -Xmx1g "-XX:StartFlightRecording:delay=40s,duration=45s,filename=/tmp/idle.jfr,settings=profile,\
 * jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=1ms" -cp bench/target/benchmarks.jar \
 *     io.esm4j.bench.IdleFootprint --baseline 10 --settle 15 --measure 45
 * java -cp bench/target/benchmarks.jar io.esm4j.bench.JfrCpuAttribution /tmp/idle.jfr
 * java -cp bench/target/benchmarks.jar io.esm4j.bench.JfrCpuAttribution /tmp/any.jfr --threads
 * </pre>
 *
 * With {@code --threads} it instead groups the samples by thread (shard ids and numbers masked) and, within each
 * group, by the innermost esm4j frame, for any recording (e.g. of a JMH fork started with
 * {@code -jvmArgsAppend -XX:StartFlightRecording:...}).
 */
public final class JfrCpuAttribution {

    public static void main(String[] args) throws IOException {
        List<RecordedEvent> events = RecordingFile.readAllEvents(Path.of(args[0]));
        String type = events.stream().anyMatch(e -> e.getEventType().getName().equals("jdk.CPUTimeSample"))
                ? "jdk.CPUTimeSample" : "jdk.ExecutionSample";
        if (args.length > 1 && args[1].equals("--threads")) {
            byThread(events, type);
            return;
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        int excluded = 0;
        int all = 0;
        int gcs = 0;
        java.time.Duration gcCpu = java.time.Duration.ZERO;
        for (RecordedEvent event : events) {
            if (event.getEventType().getName().equals("jdk.GCCPUTime")) {
                gcs++;
                gcCpu = gcCpu.plus(event.getDuration("userTime")).plus(event.getDuration("systemTime"));
            }
            if (!event.getEventType().getName().equals(type)) {
                continue;
            }
            all++;
            String category = category(event);
            if (category == null) {
                excluded++;
            } else {
                counts.merge(category, 1, Integer::sum);
            }
        }
        int counted = all - excluded;
        System.out.printf(Locale.ROOT, "%s: %d samples, %d of them of JFR's or the attach listener's threads (left"
                + " out), %d counted%n", type, all, excluded, counted);
        for (Map.Entry<String, Integer> entry : counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).toList()) {
            System.out.printf(Locale.ROOT, "  %5d %5.1f%%  %s%n", entry.getValue(), 100.0 * entry.getValue() / counted,
                    entry.getKey());
        }
        System.out.printf(Locale.ROOT, "GC threads (not sampled above): %d GCs, %d ms of CPU (jdk.GCCPUTime)%n", gcs,
                gcCpu.toMillis());
    }

    private static void byThread(List<RecordedEvent> events, String type) {
        Map<String, Integer> threads = new java.util.HashMap<>();
        Map<String, Integer> sites = new java.util.HashMap<>();
        int all = 0;
        for (RecordedEvent event : events) {
            if (!event.getEventType().getName().equals(type)) {
                continue;
            }
            all++;
            RecordedThread thread = event.getThread("eventThread");
            if (thread == null) {
                thread = event.getThread("sampledThread");
            }
            String name = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName()
                    .replaceAll("shardId-\\d+", "<shard>").replaceAll("(?<=-)\\d+", "N");
            threads.merge(name, 1, Integer::sum);
            String site = "(no esm4j frame)";
            if (event.getStackTrace() != null) {
                for (RecordedFrame frame : event.getStackTrace().getFrames()) {
                    if (frame.getMethod().getType().getName().startsWith("io.esm4j")) {
                        site = frame(frame);
                        break;
                    }
                }
            }
            sites.merge(name + "  |  " + site, 1, Integer::sum);
        }
        System.out.printf(Locale.ROOT, "%s: %d samples%n", type, all);
        print(threads, all, 25);
        System.out.println("by thread and innermost esm4j frame:");
        print(sites, all, 40);
    }

    private static void print(Map<String, Integer> counts, int all, int top) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %6d %5.1f%%  %s%n", e.getValue(),
                        100.0 * e.getValue() / all, e.getKey()));
    }

    private static String category(RecordedEvent event) {
        RecordedThread thread = event.getThread("eventThread");
        if (thread == null) {
            thread = event.getThread("sampledThread");
        }
        String name = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName();
        if (name.startsWith("JFR ") || name.equals("Attach Listener")) {
            return null;
        }
        String stack = event.getStackTrace() == null ? "" : event.getStackTrace().getFrames().stream()
                .map(JfrCpuAttribution::frame).collect(Collectors.joining(" "));
        if (name.endsWith("-reader")) {
            if (stack.contains("io.esm4j.testing.InMemoryStream.fetch") || stack.contains("SleepingEmptyStream")) {
                return "reader: in the source's fetch (long poll: lock, timed wait, wake-up)";
            }
            if (stack.contains("ShardPipeline.pause")) {
                return "reader: ShardPipeline.pause (the IdlePollInterval timed wait)";
            }
            if (stack.contains("Lane.offerAll")) {
                return "reader: Lane.offerAll of an empty fetch (signalAll wakes the lane)";
            }
            if (stack.contains("ShardPipeline.offer") || stack.contains("ShardPipeline.complete")) {
                return "reader: ShardPipeline.offer/complete of an empty fetch, other";
            }
            return "reader: the read loop itself (mount/unmount around its waits, metrics, iterator age, inFlight)";
        }
        if (name.contains("-lane-")) {
            return "lane threads: woken by an empty fetch, wait again";
        }
        if (name.contains("-renew-") || name.endsWith("-renewals")) {
            return "lease renewals (on the shared pool of lease threads)";
        }
        if (name.equals("esm4j-leases-clock")) {
            return "lease renewer checks of every mapping (one shared clock thread)";
        }
        if (name.endsWith("-coordinator")) {
            return "lease coordinator (list, observe, balance)";
        }
        if (name.endsWith("-committer")) {
            return "committers";
        }
        if (name.startsWith("ForkJoinPool-") && name.contains("-worker-")) {
            return "carrier threads: scheduling, mounting and unmounting virtual threads, going idle";
        }
        if (name.contains("delayScheduler") || name.contains("unparker")) {
            return "timed-park scheduler of virtual threads";
        }
        if (name.startsWith("C1 ") || name.startsWith("C2 ")) {
            return "JIT compiler";
        }
        if (name.startsWith("esm4j-")) {
            return "other esm4j threads: " + name.replaceAll("shardId-\\d+", "<shard>");
        }
        return "other: " + name.replaceAll("\\d+", "N");
    }

    private static String frame(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}

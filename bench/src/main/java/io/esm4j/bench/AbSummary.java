package io.esm4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Summarizes a side-by-side run of two benchmark jars made by {@code bench/ab-jars.sh}: for each configuration, the
 * JMH score (records/s) of each jar per round, its median and range, the new/old ratio per round with its median and
 * range, the median CPU ns/record of the measurement iterations (from the CpuMeter lines), and the new/old ratio of
 * CPU ns/record per round (above 1: the new jar costs more CPU per record). For the
 * ParallelizationScaling configurations it also gives the PF10/PF1 ratio per jar and round.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.esm4j.bench.AbSummary OUT_DIR</pre>
 */
public final class AbSummary {

    private static final Pattern FILE = Pattern.compile("r(\\d+)-(.+)-(old|new)\\.json");
    private static final Pattern CPU = Pattern.compile("^Iteration\\s+\\d+:\\s+\\[cpu (\\d+) ns/record");

    /** One JMH run: its score and the median CPU ns/record of its measurement iterations. */
    private record Score(double recordsPerSecond, double cpuNanosPerRecord) {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        // config -> label -> round -> score
        Map<String, Map<String, Map<Integer, Score>>> all = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                Matcher m = FILE.matcher(file.getFileName().toString());
                if (!m.matches() || Files.size(file) == 0) {
                    continue;
                }
                JsonNode results = json.readTree(file.toFile());
                if (!results.isArray() || results.isEmpty()) {
                    continue;
                }
                double score = results.get(0).get("primaryMetric").get("score").asDouble();
                Path txt = file.resolveSibling(file.getFileName().toString().replace(".json", ".txt"));
                all.computeIfAbsent(m.group(2), c -> new TreeMap<>()).computeIfAbsent(m.group(3), l -> new TreeMap<>())
                        .put(Integer.parseInt(m.group(1)), new Score(score, cpu(txt)));
            }
        }
        System.out.println("records/s: median (min – max) over rounds; new/old: median of the per-round ratios"
                + " (min – max); CPU: median ns/record");
        System.out.printf(Locale.ROOT, "| %-18s | %-28s | %-28s | %-22s | %-10s | %-10s | %-22s | %s |%n",
                "configuration", "old records/s", "new records/s", "new/old", "old CPU", "new CPU", "CPU new/old",
                "per-round new/old");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        for (Map.Entry<String, Map<String, Map<Integer, Score>>> entry : all.entrySet()) {
            Map<Integer, Score> old = entry.getValue().getOrDefault("old", Map.of());
            Map<Integer, Score> neu = entry.getValue().getOrDefault("new", Map.of());
            List<Double> ratios = new ArrayList<>();
            List<Double> cpuRatios = new ArrayList<>();
            for (Map.Entry<Integer, Score> round : neu.entrySet()) {
                Score o = old.get(round.getKey());
                if (o != null) {
                    ratios.add(round.getValue().recordsPerSecond() / o.recordsPerSecond());
                    double cpu = round.getValue().cpuNanosPerRecord() / o.cpuNanosPerRecord();
                    if (!Double.isNaN(cpu)) {
                        cpuRatios.add(cpu);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "| %-18s | %-28s | %-28s | %-22s | %-10s | %-10s | %-22s | %s |%n",
                    entry.getKey(), range(scores(old)), range(scores(neu)), ratio(ratios), cpuMedian(old),
                    cpuMedian(neu), ratio(cpuRatios),
                    ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList());
        }
        Map<String, Map<Integer, Score>> pf1 = all.get("scaling-pf1");
        Map<String, Map<Integer, Score>> pf10 = all.get("scaling-pf10");
        if (pf1 != null && pf10 != null) {
            System.out.println();
            System.out.println("ParallelizationScaling PF10/PF1 per round (same jar, same round):");
            for (String label : List.of("old", "new")) {
                List<Double> ratios = new ArrayList<>();
                for (Map.Entry<Integer, Score> round : pf10.getOrDefault(label, Map.of()).entrySet()) {
                    Score one = pf1.getOrDefault(label, Map.of()).get(round.getKey());
                    if (one != null) {
                        ratios.add(round.getValue().recordsPerSecond() / one.recordsPerSecond());
                    }
                }
                System.out.printf(Locale.ROOT, "  %s: median %.2fx (%.2f – %.2f), per round %s%n", label,
                        Machine.median(ratios), Machine.min(ratios), Machine.max(ratios),
                        ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList());
            }
        }
    }

    private static List<Double> scores(Map<Integer, Score> byRound) {
        return byRound.values().stream().map(Score::recordsPerSecond).toList();
    }

    private static String range(List<Double> values) {
        if (values.isEmpty()) {
            return "-";
        }
        return String.format(Locale.ROOT, "%s (%s – %s)", human(Machine.median(values)), human(Machine.min(values)),
                human(Machine.max(values)));
    }

    private static String ratio(List<Double> ratios) {
        if (ratios.isEmpty()) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f (%.2f – %.2f)", Machine.median(ratios), Machine.min(ratios),
                Machine.max(ratios));
    }

    private static String cpuMedian(Map<Integer, Score> byRound) {
        List<Double> cpu = byRound.values().stream().map(Score::cpuNanosPerRecord).filter(c -> !c.isNaN()).toList();
        return cpu.isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f", Machine.median(cpu));
    }

    private static String human(double recordsPerSecond) {
        return recordsPerSecond >= 1e6 ? String.format(Locale.ROOT, "%.2f M", recordsPerSecond / 1e6)
                : String.format(Locale.ROOT, "%,.0f", recordsPerSecond);
    }

    /** The median CPU ns/record of the measurement iterations in a JMH text log; NaN if it has none. */
    private static double cpu(Path txt) throws IOException {
        if (!Files.exists(txt)) {
            return Double.NaN;
        }
        List<Double> values = new ArrayList<>();
        for (String line : Files.readAllLines(txt)) {
            Matcher m = CPU.matcher(line);
            if (m.find()) {
                values.add(Double.parseDouble(m.group(1)));
            }
        }
        return Machine.median(values);
    }
}

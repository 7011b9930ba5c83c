package io.esm4j.bench;

import io.esm4j.internal.IdleTicks;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor under an idle shard's cost: what it costs just to wake many virtual threads once a second each, with
 * nothing else done, when each wakes at an instant of its own ({@code spread}) and when their waits end on the
 * engine's shared ticks ({@code ticks}, {@link IdleTicks}: 100 ms for a 1 s wait). Every thread starts at a random
 * phase of the second, as idle shards do. {@code --tick-ms} tries other ticks.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.esm4j.bench.TimedParkCost [--mode spread|ticks] [--tick-ms 100] \
 *     [--threads 1000] [--settle 10] [--measure 30]
 * </pre>
 */
public final class TimedParkCost {

    private static final long PERIOD = Duration.ofSeconds(1).toNanos();

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(Machine.arg(args, "threads", "1000"));
        int settle = Integer.parseInt(Machine.arg(args, "settle", "10"));
        int measure = Integer.parseInt(Machine.arg(args, "measure", "30"));
        String mode = Machine.arg(args, "mode", "spread");
        boolean ticks = switch (mode) {
            case "spread" -> false;
            case "ticks" -> true;
            default -> throw new IllegalArgumentException("--mode is spread or ticks, not " + mode);
        };
        long tickMillis = Long.parseLong(Machine.arg(args, "tick-ms", "0"));
        long tick = tickMillis > 0 ? Duration.ofMillis(tickMillis).toNanos() : IdleTicks.tickFor(PERIOD);
        for (int i = 0; i < threads; i++) {
            long phase = ThreadLocalRandom.current().nextLong(PERIOD);
            Thread.ofVirtual().start(() -> {
                LockSupport.parkNanos(phase);
                while (true) {
                    LockSupport.parkNanos(ticks ? IdleTicks.waitToTick(System.nanoTime(), PERIOD, tick) : PERIOD);
                }
            });
        }
        Thread.sleep(Duration.ofSeconds(settle));
        long cpu0 = Machine.processCpuNanos();
        long wall0 = System.nanoTime();
        Thread.sleep(Duration.ofSeconds(measure));
        double cores = (Machine.processCpuNanos() - cpu0) / (double) (System.nanoTime() - wall0);
        System.out.printf(Locale.ROOT, "%s%s: %,d virtual threads waking once a second: %.4f cores = %.1f us per"
                        + " wake-up; load %s%n", mode, ticks ? " (" + tick / 1_000_000 + " ms ticks)" : "", threads, cores,
                cores * 1e6 / threads, Machine.loadAverage());
        System.exit(0);
    }
}

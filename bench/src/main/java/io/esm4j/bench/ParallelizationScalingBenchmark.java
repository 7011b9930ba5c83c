package io.esm4j.bench;

import io.esm4j.StopResult;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ParallelizationFactor scaling with a slow handler: one shard, a handler that sleeps {@link #HANDLER_MILLIS} ms
 * per batch of 100, many partition keys. With PF 1 the ceiling is 100 / 0.050 s = 2,000 records/s; PF 10 runs ten
 * lanes of the shard at once, so the ceiling is 20,000 records/s. The score is records/s; compare PF 10 with PF 1.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(ParallelizationScalingBenchmark.RECORDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ParallelizationScalingBenchmark {

    static final int RECORDS = 20_000;
    static final int KEYS = 1_000;
    static final int PAYLOAD_BYTES = 32;
    static final long HANDLER_MILLIS = 50;

    @Param({"1", "10"})
    public int parallelizationFactor;

    /**
     * How long the in-memory stream's plain reads wait at the tail. 0 (the default here) keeps the workload of the
     * engine before the stream long-polled: at the tail the reader gets an empty result and pauses IdlePollInterval
     * (1 ms). Engines that await the stream's readers wait at the tail instead and ignore it; a reader reaches the
     * tail only after the last record, so neither changes what is measured.
     */
    @Param({"0"})
    public int longPollMillis;

    private InMemoryStream stream;
    private StreamSettings settings;
    private final CpuMeter cpu = new CpuMeter();

    @Setup(Level.Trial)
    public void fill() {
        stream = Drain.filledStream(1, RECORDS, KEYS, PAYLOAD_BYTES, Duration.ofMillis(longPollMillis));
        settings = Drain.settings(parallelizationFactor, 20_000);
    }

    @Setup(Level.Iteration)
    public void startCpuMeter() {
        cpu.start();
    }

    @TearDown(Level.Iteration)
    public void reportCpu() {
        cpu.report();
    }

    @Benchmark
    public StopResult sleepingHandler() throws InterruptedException {
        StopResult result = Drain.run(stream, settings, RECORDS, batch -> Thread.sleep(HANDLER_MILLIS));
        cpu.add(RECORDS);
        return result;
    }
}

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
 * Engine overhead: records per second end to end through an {@link io.esm4j.EventSourceMapping} over a pre-filled
 * in-memory stream, with a handler that does nothing but count. One benchmark call builds a fresh mapping, starts
 * it, waits until the handler has seen all {@link #RECORDS} records and stops it; JMH divides by
 * {@code @OperationsPerInvocation(RECORDS)}, so the score is records/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(StreamEngineOverheadBenchmark.RECORDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class StreamEngineOverheadBenchmark {

    static final int RECORDS = 1_000_000;
    static final int KEYS = 10_000;
    static final int PAYLOAD_BYTES = 32;

    @Param({"1", "4"})
    public int shards;

    @Param({"1", "10"})
    public int parallelizationFactor;

    /** The engine's default; 100000 was measured to cost more CPU per record (README), so it is not the default. */
    @Param({"20000"})
    public int maxBufferedRecordsPerShard;

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
        stream = Drain.filledStream(shards, RECORDS, KEYS, PAYLOAD_BYTES, Duration.ofMillis(longPollMillis));
        settings = Drain.settings(parallelizationFactor, maxBufferedRecordsPerShard);
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
    public StopResult noOpHandler() throws InterruptedException {
        StopResult result = Drain.run(stream, settings, RECORDS, batch -> {});
        cpu.add(RECORDS);
        return result;
    }
}

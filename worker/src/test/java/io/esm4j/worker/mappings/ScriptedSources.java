package io.esm4j.worker.mappings;

import static io.esm4j.worker.config.LambdaFields.BATCH_SIZE;

import io.esm4j.MappingState;
import io.esm4j.ShardStatus;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.source.MappingTarget;
import io.esm4j.worker.source.RunningMapping;
import io.esm4j.worker.source.SourceFactory;
import io.esm4j.worker.source.WorkerContext;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A source factory for registry tests: mappings of {@code arn:aws:test:<region>:<account>:<name>} that read nothing,
 * and whose builds, starts and stops do what the test tells them (fail, or wait for a latch).
 */
final class ScriptedSources implements SourceFactory {

    /** How many of the next starts throw. */
    final AtomicInteger failingStarts = new AtomicInteger();
    /** The last processing result a start that throws leaves, as esm-core's Kafka source does for a bad certificate. */
    volatile String failedStartResult = "No records processed";
    /** Builds wait for this latch. */
    volatile CountDownLatch buildGate = new CountDownLatch(0);
    /** Stops wait for this latch: the old mapping keeps draining until the test releases it. */
    volatile CountDownLatch stopGate = new CountDownLatch(0);
    /** Every mapping built, in order. */
    final List<Scripted> built = new CopyOnWriteArrayList<>();
    /** Starts while another mapping of the same name was running: two revisions of one mapping at once. */
    final AtomicInteger overlaps = new AtomicInteger();

    static String arn(String name) {
        return "arn:aws:test:us-east-1:000000000000:" + name;
    }

    @Override
    public String kind() {
        return "Scripted";
    }

    @Override
    public boolean handles(MappingSpec spec) {
        return spec.readsFrom("test");
    }

    @Override
    public Set<String> fields() {
        return Set.of(BATCH_SIZE);
    }

    @Override
    public void validate(MappingSpec spec) {
    }

    @Override
    public RunningMapping create(String name, MappingSpec spec, MappingTarget target, WorkerContext context)
            throws Exception {
        Scripted mapping = new Scripted(name, spec, target.functionArn());
        built.add(mapping);
        buildGate.await();
        return mapping;
    }

    /** The mappings built for one UUID, oldest first. */
    List<Scripted> builtFor(String uuid) {
        return built.stream().filter(mapping -> mapping.name.equals(uuid)).toList();
    }

    /** A mapping that starts and stops as its factory says. */
    final class Scripted implements RunningMapping {

        final String name;
        final MappingSpec spec;
        /** The function ARN its failure records would carry. */
        final String functionArn;
        private volatile MappingState state = MappingState.CREATING;
        volatile boolean started;
        volatile boolean stopping;
        volatile boolean stopped;
        volatile String result = "No records processed";
        private volatile String reason = "User action";

        Scripted(String name, MappingSpec spec, String functionArn) {
            this.name = name;
            this.spec = spec;
            this.functionArn = functionArn;
        }

        @Override
        public void start() {
            if (failingStarts.getAndDecrement() > 0) {
                result = failedStartResult;
                throw new IllegalStateException("scripted start failure");
            }
            if (builtFor(name).stream().anyMatch(Scripted::running)) {
                overlaps.incrementAndGet();
            }
            started = true;
            state = MappingState.ENABLED;
        }

        @Override
        public void stop(Duration timeout) throws InterruptedException {
            stopping = true;
            state = MappingState.DISABLING;
            stopGate.await();
            state = MappingState.DISABLED;
            stopped = true;
        }

        /** What esm-core does after a fatal error: the mapping stops by itself, DISABLED with the error as reason. */
        void stopItself(String problem) {
            reason = problem;
            state = MappingState.DISABLED;
            stopped = true;
        }

        /** Started and not yet stopped: what two revisions of one mapping must never both be. */
        boolean running() {
            return started && !stopped;
        }

        @Override
        public MappingState state() {
            return state;
        }

        @Override
        public String stateTransitionReason() {
            return reason;
        }

        @Override
        public String lastProcessingResult() {
            return result;
        }

        @Override
        public List<ShardStatus> shards() {
            return List.of();
        }
    }
}

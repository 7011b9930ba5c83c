package io.esm4j.worker.source;

import io.esm4j.EventSourceMapping;
import io.esm4j.Mapping;
import io.esm4j.MappingState;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.ShardStatus;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** A mapping built by a source factory, whatever its source: started, stopped and observed by the worker. */
public interface RunningMapping {

    void start();

    /** Drains in-flight batches and writes final checkpoints, at most about {@code timeout}. */
    void stop(Duration timeout) throws InterruptedException;

    MappingState state();

    String stateTransitionReason();

    String lastProcessingResult();

    /** Shards (or partitions) with owner, position and iterator age; empty for a queue. */
    List<ShardStatus> shards();

    /** A stream mapping of esm-core. */
    static RunningMapping of(EventSourceMapping<?> mapping) {
        return of(mapping, mapping::shards);
    }

    /** A queue mapping of esm-core. */
    static RunningMapping of(QueueEventSourceMapping<?> mapping) {
        return of(mapping, List::of);
    }

    private static RunningMapping of(Mapping<?> mapping, Supplier<List<ShardStatus>> shards) {
        return new Lifecycle(mapping::start, mapping::stop, mapping::state, mapping::stateTransitionReason,
                mapping::lastProcessingResult, shards);
    }

    /**
     * The mapping, its state transition reason followed by {@code hint} while it is a {@code PROBLEM}: a likely cause
     * the worker's configuration shows, said where the failure shows (the API, health, the status page).
     */
    static RunningMapping withProblemHint(RunningMapping mapping, String hint) {
        return new Lifecycle(mapping::start, timeout -> {
            mapping.stop(timeout);
            return null;
        }, mapping::state, () -> {
            String reason = mapping.stateTransitionReason();
            return reason.startsWith("PROBLEM") ? reason + " (" + hint + ")" : reason;
        }, mapping::lastProcessingResult, mapping::shards);
    }

    /** The mapping's methods, whatever its type. */
    record Lifecycle(Runnable starter, Stopper stopper, Supplier<MappingState> stateSupplier,
                     Supplier<String> reasonSupplier, Supplier<String> resultSupplier,
                     Supplier<List<ShardStatus>> shardsSupplier) implements RunningMapping {

        @Override
        public void start() {
            starter.run();
        }

        @Override
        public void stop(Duration timeout) throws InterruptedException {
            stopper.stop(timeout);
        }

        @Override
        public MappingState state() {
            return stateSupplier.get();
        }

        @Override
        public String stateTransitionReason() {
            return reasonSupplier.get();
        }

        @Override
        public String lastProcessingResult() {
            return resultSupplier.get();
        }

        @Override
        public List<ShardStatus> shards() {
            return shardsSupplier.get();
        }
    }

    /** {@code stop(timeout)} of either mapping type, whose results differ. */
    @FunctionalInterface
    interface Stopper {
        /** Stops the mapping; what it returns (the library's stop result, or nothing) is not used. */
        @Nullable Object stop(Duration timeout) throws InterruptedException;
    }
}

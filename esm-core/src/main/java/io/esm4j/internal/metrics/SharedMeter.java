package io.esm4j.internal.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One mapping's use of a meter that other mappings of its name may share in the same registry; the meter leaves the
 * registry when its last user {@linkplain EngineMetrics#remove(SharedMeter) removes} it.
 */
public final class SharedMeter<M extends Meter> {

    private final MeterRegistry registry;
    private final SharedMeters.Key key;
    private final M meter;
    private final @Nullable DoubleSupplier source;
    private final AtomicBoolean released = new AtomicBoolean();

    SharedMeter(MeterRegistry registry, SharedMeters.Key key, M meter, @Nullable DoubleSupplier source) {
        this.registry = registry;
        this.key = key;
        this.meter = meter;
        this.source = source;
    }

    M meter() {
        return meter;
    }

    MeterRegistry registry() {
        return registry;
    }

    SharedMeters.Key key() {
        return key;
    }

    @Nullable DoubleSupplier source() {
        return source;
    }

    /** Removes the meter from the registry unless another mapping still uses it; a second call does nothing. */
    void release() {
        if (released.compareAndSet(false, true)) {
            SharedMeters.release(this);
        }
    }
}

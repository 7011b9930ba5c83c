package io.esm4j.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A registry that keeps a mapping's meters after the mapping removed them at stop, for tests that read the final
 * counts after stopping. (MetricsTest checks the removal itself on a plain registry.)
 */
public final class RetainingMeterRegistry extends SimpleMeterRegistry {

    @Override
    public Meter remove(Meter.Id mappedId) {
        return find(mappedId.getName()).tags(mappedId.getTags()).meter();
    }
}

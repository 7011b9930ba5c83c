package io.esm4j.internal.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The meters mappings registered, per registry, with how many mappings use each. Mappings of one name running at once
 * in one process (a replacement started before the old one stops, or several workers sharing a lease store) register
 * the same meters in a shared registry, and Micrometer hands the later ones the meter the first registered: counters
 * then add up, as they should, but a gauge would read the first mapping's object only, and the first mapping to stop
 * would remove meters the others still use. Here a meter leaves the registry with its last user, and a gauge reads
 * every user's value, combined as the metric means.
 *
 * <p>Registration and removal happen when a mapping is built or stops and when a shard or partition comes or goes,
 * never per record, so one lock for every registry is enough.
 */
final class SharedMeters {

    private static final ReentrantLock LOCK = new ReentrantLock();
    /** Guarded by LOCK; a registry leaves with its last esm4j meter, so nothing here outlives the mappings. */
    private static final Map<MeterRegistry, Map<Key, Entry>> REGISTRIES = new IdentityHashMap<>();

    private SharedMeters() {}

    /**
     * The meter named {@code name} with {@code tags}, as {@code register} registers it: if another mapping registered
     * it already, the registry hands back that one.
     */
    static <M extends Meter> SharedMeter<M> meter(MeterRegistry registry, String name, Tags tags,
                                                  Function<MeterRegistry, M> register) {
        return use(registry, new Key(name, tags), null, null, (r, sources) -> register.apply(r));
    }

    /** A gauge of {@code source}; while other mappings use the same gauge, it reads their values combined. */
    static SharedMeter<Gauge> gauge(MeterRegistry registry, String name, Tags tags, EngineMetrics.Combine combine,
                                    DoubleSupplier source) {
        return use(registry, new Key(name, tags), combine, source, (r, sources) -> Gauge.builder(name, sources,
                Sources::value).tags(tags).strongReference(true).register(r));
    }

    @SuppressWarnings("unchecked")
    private static <M extends Meter> SharedMeter<M> use(MeterRegistry registry, Key key,
                                                        EngineMetrics.@Nullable Combine combine,
                                                        @Nullable DoubleSupplier source,
                                                        BiFunction<MeterRegistry, @Nullable Sources, M> register) {
        LOCK.lock();
        try {
            Map<Key, Entry> meters = REGISTRIES.computeIfAbsent(registry, r -> new HashMap<>());
            Entry entry = meters.computeIfAbsent(key, k -> new Entry(combine == null ? null : new Sources(combine)));
            if ((entry.sources == null) != (combine == null)) {
                throw new IllegalStateException("esm4j registers the meter " + key.name() + " " + key.tags()
                        + " both as a gauge and as another kind; a meter name has one kind");
            }
            try {
                M meter = entry.users > 0 && stillRegistered(registry, key, entry.meter)
                        ? (M) entry.meter
                        // Registered (again): the registry hands back the same meter, or a new one if somebody
                        // removed ours from it. Not again while it is there: a gauge registered twice makes
                        // Micrometer warn.
                        : register.apply(registry, entry.sources);
                entry.meter = meter;
                if (entry.sources != null && source != null) {
                    entry.sources.add(source);
                }
                entry.users++;
                return new SharedMeter<>(registry, key, meter, source);
            } finally {
                if (entry.users == 0) {
                    forget(registry, meters, key);
                }
            }
        } finally {
            LOCK.unlock();
        }
    }

    static void release(SharedMeter<?> use) {
        LOCK.lock();
        try {
            Map<Key, Entry> meters = REGISTRIES.get(use.registry());
            Entry entry = meters == null ? null : meters.get(use.key());
            if (entry == null) {
                return;
            }
            if (entry.sources != null) {
                entry.sources.remove(use.source());
            }
            if (--entry.users == 0) {
                forget(use.registry(), meters, use.key());
                use.registry().remove(use.meter());
            }
        } finally {
            LOCK.unlock();
        }
    }

    private static boolean stillRegistered(MeterRegistry registry, Key key, @Nullable Meter meter) {
        return meter != null && registry.find(key.name()).tags(key.tags()).meters().contains(meter);
    }

    private static void forget(MeterRegistry registry, Map<Key, Entry> meters, Key key) {
        meters.remove(key);
        if (meters.isEmpty()) {
            REGISTRIES.remove(registry);
        }
    }

    record Key(String name, Tags tags) {}

    /**
     * A gauge source of a {@link EngineMetrics.Combine#SUM_PER_GROUP} gauge, with the group whose work it shares;
     * any other source counts as one group of its own.
     */
    record InGroup(String group, DoubleSupplier value) implements DoubleSupplier {
        InGroup {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public double getAsDouble() {
            return value.getAsDouble();
        }
    }

    private static final class Entry {
        final @Nullable Sources sources;
        @Nullable Meter meter;
        int users;

        Entry(@Nullable Sources sources) {
            this.sources = sources;
        }
    }

    /** What a shared gauge reads: each user's value, combined when scraped. */
    private static final class Sources {
        private final EngineMetrics.Combine combine;
        private final CopyOnWriteArrayList<DoubleSupplier> sources = new CopyOnWriteArrayList<>();

        Sources(EngineMetrics.Combine combine) {
            this.combine = combine;
        }

        void add(DoubleSupplier source) {
            sources.add(source);
        }

        void remove(@Nullable DoubleSupplier source) {
            sources.remove(source);
        }

        double value() {
            if (combine == EngineMetrics.Combine.SUM_PER_GROUP) {
                return largestGroupSum();
            }
            double result = Double.NaN;
            for (DoubleSupplier source : sources) {
                double value = source.getAsDouble();
                if (Double.isNaN(value)) {
                    continue;
                }
                result = Double.isNaN(result) ? value
                        : combine == EngineMetrics.Combine.MAX ? Math.max(result, value) : result + value;
            }
            return result;
        }

        private double largestGroupSum() {
            Map<Object, Double> sums = new HashMap<>();
            for (DoubleSupplier source : sources) {
                double value = source.getAsDouble();
                if (!Double.isNaN(value)) {
                    sums.merge(source instanceof InGroup in ? in.group() : source, value, Double::sum);
                }
            }
            double result = Double.NaN;
            for (double sum : sums.values()) {
                result = Double.isNaN(result) ? sum : Math.max(result, sum);
            }
            return result;
        }
    }
}

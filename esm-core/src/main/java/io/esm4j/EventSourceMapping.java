package io.esm4j;

import io.esm4j.failure.FailureDestination;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchHandler;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.internal.stream.ConcurrencyLimit;
import io.esm4j.internal.stream.EngineFactory;
import io.esm4j.internal.stream.MappingEngine;
import io.esm4j.internal.stream.RecordFilter;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.internal.stream.StreamEngine;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.LeaseStore;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * An event source mapping over a stream (Kinesis, DynamoDB Streams, or any {@link StreamSource}): it reads every
 * shard, forms batches, invokes the handler, retries, bisects, discards, routes failures and checkpoints, with
 * Lambda's semantics.
 *
 * <pre>{@code
 * EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("orders", source, handler)
 *         .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).build())
 *         .build();
 * mapping.start();
 * ...
 * StopResult result = mapping.stop(Duration.ofSeconds(30));
 * }</pre>
 *
 * @param <T> the payload type of the source's records
 */
public final class EventSourceMapping<T> extends MappingLifecycle<StopResult> {

    private final MappingEngine engine;

    private EventSourceMapping(String name, MappingStatus status, MappingEngine engine, EngineMetrics metrics) {
        super(name, status, metrics);
        this.engine = engine;
    }

    /**
     * The shards as this mapping sees them: those it processes, with reader lag, records in flight, restarts and
     * the last error; and, from the last lease listing, those other workers hold.
     */
    public List<ShardStatus> shards() {
        return engine.shards();
    }

    /**
     * @param name    identifies the mapping: it scopes its checkpoints (keep it stable across restarts) and tags its
     *                metrics; 1–128 letters, digits, '.', '_' or '-'
     * @param source  the stream
     * @param handler invoked with each batch
     */
    public static <T> Builder<T> builder(String name, StreamSource<T> source, BatchHandler<StreamRecord<T>> handler) {
        return new Builder<>(name, source, handler);
    }

    @Override
    void startEngine() {
        engine.start();
    }

    @Override
    StopResult stopEngine(Duration timeout) throws InterruptedException {
        return engine.stop(timeout);
    }

    @Override
    StopResult notStartedResult() {
        return new StopResult(true, Map.of(), 0, List.of());
    }

    /** Assembles a mapping; {@link #build()} validates everything. */
    public static final class Builder<T> {
        private final String name;
        private final StreamSource<T> source;
        private final BatchHandler<StreamRecord<T>> handler;
        private @Nullable StreamSettings settings;
        private @Nullable LeaseStore leaseStore;
        private @Nullable String workerId;
        private @Nullable FailureDestination onFailure;
        private MeterRegistry meterRegistry = new SimpleMeterRegistry();
        private Clock clock = Clock.systemUTC();
        private FilterCriteria filterCriteria = FilterCriteria.none();
        private @Nullable Idempotency<StreamRecord<T>> idempotency;

        private Builder(String name, StreamSource<T> source, BatchHandler<StreamRecord<T>> handler) {
            this.name = name;
            this.source = Objects.requireNonNull(source, "source");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        public Builder<T> settings(StreamSettings settings) {
            this.settings = settings;
            return this;
        }

        /**
         * Where shard leases and checkpoints live (an {@link InMemoryLeaseStore} of the mapping's own by default).
         * Mappings with the same name that share a store share the stream: each shard is processed by one of them
         * at a time, and the leases balance between them.
         */
        public Builder<T> leaseStore(LeaseStore leaseStore) {
            this.leaseStore = Objects.requireNonNull(leaseStore, "leaseStore");
            return this;
        }

        /**
         * The name under which this mapping holds leases: unique per process that shares a lease store, e.g. host
         * name plus process id. 1–256 characters; null (the default) for a random UUID.
         */
        public Builder<T> workerId(@Nullable String workerId) {
            this.workerId = workerId;
            return this;
        }

        /**
         * DestinationConfig.OnFailure: where given-up records' failure records go. Without one (null, the default)
         * they are dropped.
         */
        public Builder<T> onFailure(@Nullable FailureDestination destination) {
            this.onFailure = destination;
            return this;
        }

        public Builder<T> meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        /** FilterCriteria: records that match no pattern are not invoked and count as done. */
        public Builder<T> filterCriteria(FilterCriteria filterCriteria) {
            this.filterCriteria = Objects.requireNonNull(filterCriteria, "filterCriteria");
            return this;
        }

        /**
         * Deduplication: records whose key is already COMPLETED in the store are not handed to the handler and count
         * as done. The natural id is {@code shardId:sequenceNumber}. Not available with tumbling windows, whose
         * records must all be replayed into a window's state. Null (the default) turns deduplication off.
         */
        public Builder<T> idempotency(@Nullable Idempotency<StreamRecord<T>> idempotency) {
            this.idempotency = idempotency;
            return this;
        }

        /** The clock for record ages, batching windows and failure-record timestamps; tests pass a MutableClock. */
        public Builder<T> clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public EventSourceMapping<T> build() {
            BuildChecks.name(name);
            if (settings == null) {
                throw new InvalidSettingException("settings", "null",
                        "StreamSettings with at least a StartingPosition");
            }
            BuildChecks.startingPosition(settings.startingPosition(), source.startingPositions(), source);
            Instant timestamp = settings.startingPositionTimestamp(); // set exactly when AT_TIMESTAMP
            if (timestamp != null && timestamp.isAfter(clock.instant())) {
                throw new InvalidSettingException(StreamSettings.STARTING_POSITION_TIMESTAMP.name(), timestamp,
                        "a time that is not in the future");
            }
            BuildChecks.filter(filterCriteria, source.filterableKeys(), source.jsonOnlyFilterKeys(), source);
            if (idempotency != null && settings.tumblingWindows()) {
                throw new InvalidSettingException("idempotency", "set",
                        "no idempotency when TumblingWindowInSeconds is set (window state needs every record)");
            }
            String worker = workerId == null ? UUID.randomUUID().toString() : workerId;
            if (worker.isEmpty() || worker.length() > 256) {
                throw new InvalidSettingException("workerId", worker, "1 to 256 characters");
            }
            MappingStatus status = new MappingStatus();
            // A source that drives its own reading is Kafka's consumer group, which has Lambda's Kafka meters too.
            EngineMetrics metrics = new EngineMetrics(meterRegistry, name,
                    source instanceof EngineFactory<?> ? EngineMetrics.Kind.KAFKA : EngineMetrics.Kind.STREAM);
            try {
                return build(settings, status, metrics, worker);
            } catch (RuntimeException | Error e) {
                // Refused after the meters were registered (a source's own rules are checked as it makes its engine):
                // no mapping exists to remove them at stop, so they would stay in the registry for good.
                metrics.close();
                throw e;
            }
        }

        /** The rest of {@link #build()}, once the meters are registered. */
        private EventSourceMapping<T> build(StreamSettings settings, MappingStatus status, EngineMetrics metrics,
                                            String worker) {
            Invoker<StreamRecord<T>> invoker = new Invoker<>(name, handler,
                    BuildChecks.deduplicator(idempotency, meterRegistry, name, clock, metrics), source::naturalId,
                    source::itemIdentifier, settings.reportBatchItemFailures(), new RetryScope.FromLowestFailure<>(),
                    metrics, status);
            StreamContext<T> ctx = new StreamContext<>(name, worker, settings, source,
                    new RecordFilter<>(filterCriteria, source, name),
                    leaseStore == null ? new InMemoryLeaseStore() : leaseStore, onFailure, invoker, metrics, clock,
                    new RetryBackoff(settings.retryBackoffInitial(), settings.retryBackoffMax()), status,
                    ConcurrencyLimit.of(settings, metrics));
            // A source that drives its own reading (Kafka's consumer group) brings its engine; others use leases.
            @SuppressWarnings("unchecked")
            MappingEngine engine = source instanceof EngineFactory<?> factory
                    ? ((EngineFactory<T>) factory).engine(ctx) : StreamEngine.create(ctx);
            return new EventSourceMapping<>(name, status, engine, metrics);
        }
    }
}

package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.EVENT_SOURCE_ARN;
import static io.esm4j.worker.config.LambdaFields.TUMBLING_WINDOW;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StreamSettings;
import io.esm4j.sinks.FailureDestinations;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What the AWS stream sources (Kinesis, DynamoDB Streams) build alike: a stream mapping on the worker's lease store
 * with Lambda's stream settings, filters and on-failure destination. A subclass names its service and ARN shape and
 * supplies the source, the handler (the event JSON or Java event) and the settings it allows.
 *
 * @param <R> the source's record payload
 */
abstract class StreamSourceFactory<R> implements SourceFactory {

    private final String kind;
    private final String service;
    private final Set<String> fields;
    private final Pattern arnResource;
    private final String arnExpected;

    /**
     * @param service     the ARN's service, e.g. {@code kinesis}
     * @param arnResource the shape of the ARN's resource part
     * @param arnExpected what a refused ARN is told is expected
     */
    StreamSourceFactory(String kind, String service, Set<String> fields, Pattern arnResource, String arnExpected) {
        this.kind = kind;
        this.service = service;
        this.fields = fields;
        this.arnResource = arnResource;
        this.arnExpected = arnExpected;
    }

    /** The source of the mapping's stream. */
    abstract StreamSource<R> source(MappingSpec spec, WorkerContext context);

    /** The service of {@code --endpoint} (and the file's Endpoints) that reaches this source. */
    abstract String endpointService();

    /** A likely cause of the mapping's problems that the worker's configuration shows, or null (the default). */
    @Nullable String problemHint(WorkerContext context) {
        return null;
    }

    /** The same source for {@link #checkBuild}: built without calling the service (by default, as create builds it). */
    StreamSource<R> offlineSource(MappingSpec spec, WorkerContext context) {
        return source(spec, context);
    }

    /**
     * A Java handler's event for the mapping: {@code windowed} (the window's event, a subclass of {@code plain}) with a
     * tumbling window, {@code plain} without.
     */
    static Class<?> eventFor(MappingSpec spec, Class<?> plain, Class<?> windowed) {
        Integer window = spec.integer(TUMBLING_WINDOW);
        return window != null && window > 0 ? windowed : plain;
    }

    /** The handler that turns a batch into the target's event (and a tumbling window's, if set). */
    abstract BatchHandler<StreamRecord<R>> handler(MappingTarget target);

    /** The mapping's settings from Lambda's fields; package-private so that tests check how the fields map. */
    abstract StreamSettings settings(MappingSpec spec, String functionArn);

    /** The mapping's settings with the worker's own stream settings (--failover-time...) on top. */
    final StreamSettings settings(MappingSpec spec, String functionArn, WorkerContext context) {
        return MappingValues.settings(() -> context.streamTuning().applyTo(settings(spec, functionArn)));
    }

    /** The on-failure destinations; the worker's, unless the source's records need their own event JSON. */
    FailureDestinations destinations(WorkerContext context) {
        return context.destinations();
    }

    @Override
    public final String kind() {
        return kind;
    }

    @Override
    public final boolean handles(MappingSpec spec) {
        return spec.readsFrom(service);
    }

    @Override
    public final Set<String> fields() {
        return fields;
    }

    @Override
    public final Map<String, Object> defaults() {
        return MappingValues.streamDefaults();
    }

    @Override
    public final void validate(MappingSpec spec) {
        Arns arn = Arns.parse(spec.eventSourceArn());
        if (arn == null || !arn.hasAccount() || !arnResource.matcher(arn.resource()).matches()) {
            throw new InvalidMappingException(EVENT_SOURCE_ARN, spec.eventSourceArn(), arnExpected);
        }
        settings(spec, MappingValues.CHECK_ONLY_FUNCTION);
        MappingValues.filterCriteria(spec);
        spec.onFailureDestination();
    }

    @Override
    public final void checkBuild(String name, MappingSpec spec, WorkerContext context) {
        MappingValues.checkDestination(name, spec, destinations(context));
        BatchHandler<StreamRecord<R>> none = batch -> BatchResult.success();
        StreamSource<R> source = MappingValues.source(spec, context, endpointService(),
                () -> offlineSource(spec, context));
        MappingValues.settings(() -> EventSourceMapping.builder(name, source, none)
                .settings(settings(spec, MappingValues.CHECK_ONLY_FUNCTION, context))
                .filterCriteria(MappingValues.filterCriteria(spec))
                .build());
    }

    @Override
    public final RunningMapping create(String name, MappingSpec spec, MappingTarget target, WorkerContext context) {
        String destination = spec.onFailureDestination();
        RunningMapping running = RunningMapping.of(EventSourceMapping.builder(name, source(spec, context),
                        target.limited(handler(target)))
                .settings(settings(spec, target.functionArn(), context))
                .filterCriteria(MappingValues.filterCriteria(spec))
                .leaseStore(context.leaseStore())
                .workerId(context.workerId())
                .onFailure(destination == null ? null : destinations(context).forArn(name, destination))
                .meterRegistry(context.meters())
                .build());
        String hint = problemHint(context);
        return hint == null ? running : RunningMapping.withProblemHint(running, hint);
    }
}

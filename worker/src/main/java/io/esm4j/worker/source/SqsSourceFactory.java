package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.queue.QueueMessage;
import io.esm4j.settings.QueueSettings;
import io.esm4j.sqs.SqsEventJson;
import io.esm4j.sqs.SqsLambdaAdapter;
import io.esm4j.sqs.SqsMessage;
import io.esm4j.sqs.SqsQueueSource;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** SQS queues ({@code arn:aws:sqs:...}): a queue mapping with Lambda's SQS event. */
public final class SqsSourceFactory implements SourceFactory {

    private static final Set<String> FIELDS = Set.of(BATCH_SIZE, MAXIMUM_BATCHING_WINDOW, FUNCTION_RESPONSE_TYPES,
            FILTER_CRITERIA, SCALING_CONFIG, PROVISIONED_POLLER_CONFIG);

    @Override
    public String kind() {
        return "SQS";
    }

    @Override
    public boolean handles(MappingSpec spec) {
        return spec.readsFrom("sqs");
    }

    @Override
    public Set<String> fields() {
        return FIELDS;
    }

    @Override
    public Map<String, Object> defaults() {
        QueueSettings defaults = QueueSettings.defaults();
        return Map.of(BATCH_SIZE, defaults.batchSize(),
                MAXIMUM_BATCHING_WINDOW, defaults.maximumBatchingWindow().toSeconds(),
                FUNCTION_RESPONSE_TYPES, List.of());
    }

    @Override
    public void validate(MappingSpec spec) {
        settings(spec);
        MappingValues.filterCriteria(spec);
        queueArn(spec);
    }

    /**
     * The queue is not looked up: the source gets the URL the queue would have on AWS, which nothing calls and whose
     * name tells a FIFO queue by its {@code .fifo}, as the real URL does.
     */
    @Override
    public void checkBuild(String name, MappingSpec spec, WorkerContext context) {
        Arns arn = queueArn(spec);
        SqsQueueSource source = MappingValues.source(spec, context, "sqs", () -> SqsQueueSource.of(
                context.clients().sqs(), "https://sqs." + arn.region() + ".amazonaws.com/" + arn.account() + "/"
                        + arn.resource()));
        BatchHandler<QueueMessage<SqsMessage>> none = batch -> BatchResult.success();
        MappingValues.settings(() -> QueueEventSourceMapping.builder(name, source, none)
                .settings(settings(spec))
                .filterCriteria(MappingValues.filterCriteria(spec))
                .build());
    }

    @Override
    public Class<?> handlerEvent(MappingSpec spec) {
        return SQSEvent.class;
    }

    @Override
    public RunningMapping create(String name, MappingSpec spec, MappingTarget target, WorkerContext context) {
        // By ARN: the queue's account too (a queue shared from another account), and never a same-named queue of
        // the worker's region in place of another region's.
        SqsQueueSource source = SqsQueueSource.ofArn(context.clients().sqs(), spec.eventSourceArn());
        return RunningMapping.of(QueueEventSourceMapping.builder(name, source, target.limited(handler(target)))
                .settings(settings(spec))
                .filterCriteria(MappingValues.filterCriteria(spec))
                .meterRegistry(context.meters())
                .build());
    }

    @SuppressWarnings("unchecked")
    private static BatchHandler<QueueMessage<SqsMessage>> handler(MappingTarget target) {
        return switch (target.invoker()) {
            case Invoker.Json json -> batch -> json.invoke(
                    SqsEventJson.write(batch.records().stream().map(QueueMessage::payload).toList())).result();
            case Invoker.Java java -> {
                RequestHandler<SQSEvent, ?> handler = (RequestHandler<SQSEvent, ?>) java.handler();
                // The function's context, as the other sources give it: the adapter's own names the queue.
                RequestHandler<SQSEvent, Object> withFunctionContext =
                        (event, queueContext) -> handler.handleRequest(event, java.context());
                yield SqsLambdaAdapter.of(withFunctionContext);
            }
        };
    }

    private static QueueSettings settings(MappingSpec spec) {
        try {
            return queueSettings(spec);
        } catch (InvalidMappingException e) {
            // esm-core names its own setting; in the request it is ScalingConfig's, not the Functions' limit.
            if (!e.field().equals("MaximumConcurrency")) {
                throw e;
            }
            String field = SCALING_CONFIG + ".MaximumConcurrency";
            throw new InvalidMappingException(field, e.getMessage().replace("for MaximumConcurrency:",
                    "for " + field + ":"), e);
        }
    }

    private static QueueSettings queueSettings(MappingSpec spec) {
        return MappingValues.settings(() -> {
            QueueSettings.Builder builder = QueueSettings.builder();
            if (spec.integer(BATCH_SIZE) != null) {
                builder.batchSize(spec.integer(BATCH_SIZE));
            }
            if (spec.integer(MAXIMUM_BATCHING_WINDOW) != null) {
                builder.maximumBatchingWindowInSeconds(spec.integer(MAXIMUM_BATCHING_WINDOW));
            }
            builder.reportBatchItemFailures(MappingValues.reportBatchItemFailures(spec));
            if (spec.maximumConcurrency() != null) {
                builder.maximumConcurrency(spec.maximumConcurrency());
            }
            return builder.build();
        });
    }

    /** The queue's ARN, its resource the queue's name. */
    private static Arns queueArn(MappingSpec spec) {
        Arns arn = Arns.parse(spec.eventSourceArn());
        if (arn == null || !arn.hasAccount() || arn.resource().isBlank() || arn.resource().contains(":")) {
            throw new InvalidMappingException(EVENT_SOURCE_ARN, spec.eventSourceArn(),
                    "Expected an SQS queue ARN: arn:<partition>:sqs:<region>:<account, 12 digits>:<queue name>.");
        }
        return arn;
    }
}

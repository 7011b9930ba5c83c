package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisTimeWindowEvent;
import io.esm4j.handler.BatchHandler;
import io.esm4j.kinesis.KinesisEventJson;
import io.esm4j.kinesis.KinesisLambdaAdapter;
import io.esm4j.kinesis.KinesisRecord;
import io.esm4j.kinesis.KinesisStreamSource;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.sinks.EventJson;
import io.esm4j.sinks.FailureDestinations;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/**
 * Kinesis data streams ({@code arn:aws:kinesis:...:stream/<name>}, or a stream consumer's ARN for enhanced fan-out):
 * a stream mapping with Lambda's Kinesis event.
 */
public final class KinesisSourceFactory extends StreamSourceFactory<KinesisRecord> {

    private static final String CONSUMER = "/consumer/";

    public KinesisSourceFactory() {
        super("Kinesis", "kinesis", Set.of(BATCH_SIZE, MAXIMUM_BATCHING_WINDOW, PARALLELIZATION_FACTOR,
                        STARTING_POSITION, STARTING_POSITION_TIMESTAMP, BISECT_BATCH_ON_FUNCTION_ERROR,
                        MAXIMUM_RECORD_AGE, MAXIMUM_RETRY_ATTEMPTS, FUNCTION_RESPONSE_TYPES, FILTER_CRITERIA,
                        DESTINATION_CONFIG, TUMBLING_WINDOW),
                Pattern.compile("stream/[^/:]+(" + CONSUMER + "[^/:]+:[0-9]+)?"), "Expected a Kinesis stream ARN, "
                        + "arn:<partition>:kinesis:<region>:<account, 12 digits>:stream/<name>, or a stream consumer's "
                        + "for enhanced fan-out, arn:<partition>:kinesis:<region>:<account>:stream/<name>/consumer/"
                        + "<consumer>:<timestamp>.");
    }

    /**
     * A stream consumer's ARN reads with enhanced fan-out, as in Lambda, once DescribeStreamConsumer says the consumer
     * is ACTIVE (otherwise the start fails, the mapping's StateTransitionReason says why, and the start is retried); a
     * stream's ARN reads with GetRecords.
     */
    @Override
    StreamSource<KinesisRecord> source(MappingSpec spec, WorkerContext context) {
        KinesisStreamSource.Builder builder = KinesisStreamSource.builder(context.clients().kinesis());
        String arn = spec.eventSourceArn();
        if (!arn.contains(CONSUMER)) {
            return builder.streamArn(arn).build();
        }
        requireActive(context.clients().kinesis(), arn);
        return builder.enhancedFanOut(context.clients().kinesisSubscriber(), arn).build();
    }

    /** An enhanced fan-out mapping is checked on its stream, whose records, keys and positions it reads. */
    @Override
    StreamSource<KinesisRecord> offlineSource(MappingSpec spec, WorkerContext context) {
        String arn = spec.eventSourceArn();
        int consumer = arn.indexOf(CONSUMER);
        return KinesisStreamSource.builder(context.clients().kinesis())
                .streamArn(consumer < 0 ? arn : arn.substring(0, consumer)).build();
    }

    private static void requireActive(KinesisClient kinesis, String consumerArn) {
        ConsumerStatus status;
        try {
            status = kinesis.describeStreamConsumer(r -> r.consumerARN(consumerArn)).consumerDescription()
                    .consumerStatus();
        } catch (ResourceNotFoundException e) {
            throw new IllegalStateException("the stream consumer " + consumerArn + " does not exist: register it "
                    + "with RegisterStreamConsumer before the mapping reads with it", e);
        }
        if (status != ConsumerStatus.ACTIVE) {
            throw new IllegalStateException("the stream consumer " + consumerArn + " is " + status
                    + ", not ACTIVE; the mapping starts once it is");
        }
    }

    /** An S3 destination's payload is Lambda's Kinesis event of the given-up records, written from their source's. */
    @Override
    FailureDestinations destinations(WorkerContext context) {
        return context.destinationsBuilder()
                .eventJson(EventJson.ofPayloads(KinesisRecord.class, KinesisEventJson::write))
                .build();
    }

    @Override
    String endpointService() {
        return "kinesis";
    }

    @Override
    public Class<?> handlerEvent(MappingSpec spec) {
        return eventFor(spec, KinesisEvent.class, KinesisTimeWindowEvent.class);
    }

    @Override
    @SuppressWarnings("unchecked")
    BatchHandler<StreamRecord<KinesisRecord>> handler(MappingTarget target) {
        return switch (target.invoker()) {
            case Invoker.Json json -> TumblingWindows.json(json, KinesisEventJson::write);
            case Invoker.Java java -> {
                RequestHandler<KinesisEvent, Object> handler = (RequestHandler<KinesisEvent, Object>) java.handler();
                // Any return type, as in Lambda: read as the function's response (JavaStreamResults).
                yield TumblingWindows.java(batch -> JavaStreamResults.of(handler.handleRequest(
                                KinesisLambdaAdapter.toEvent(batch), java.context()), KinesisLambdaAdapter::toResult),
                        KinesisLambdaAdapter.ofTimeWindow(event ->
                                TumblingWindows.windowResponse(handler.handleRequest(event, java.context()))));
            }
        };
    }

    @Override
    StreamSettings settings(MappingSpec spec, String functionArn) {
        return MappingValues.settings(() -> {
            StreamSettings.Builder builder = StreamSettings.builder().functionArn(functionArn);
            builder.startingPosition(MappingValues.startingPosition(spec, "Kinesis",
                    EnumSet.allOf(StartingPosition.class)));
            builder.startingPositionTimestamp(spec.timestamp(STARTING_POSITION_TIMESTAMP));
            MappingValues.streamFields(builder, spec);
            return builder.build();
        });
    }
}

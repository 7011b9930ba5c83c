package io.esm4j.worker.source;

import io.esm4j.worker.config.MappingSpec;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns a Lambda-shaped mapping of one kind of source into an esm-core mapping. The worker picks the first factory
 * whose {@link #handles} is true; SQS, Kinesis, DynamoDB Streams and Kafka are built in, other sources plug in as
 * further implementations, listed in {@link SourceFactories} or found with {@link ServiceLoader}.
 */
public interface SourceFactory {

    /** The source's name in messages, e.g. {@code SQS}. */
    String kind();

    /** Whether the mapping's event source (its ARN, or for Kafka its SelfManagedEventSource) is this kind. */
    boolean handles(MappingSpec spec);

    /**
     * The request fields this source takes besides {@link io.esm4j.worker.config.LambdaFields#COMMON}; any other
     * field of Lambda's request is refused as not valid for this source.
     */
    Set<String> fields();

    /**
     * Checks every value (through esm-core's settings, so ranges and defaults live there) without calling any
     * service; throws {@link io.esm4j.worker.config.InvalidMappingException} naming field, value and what is allowed.
     */
    void validate(MappingSpec spec);

    /**
     * Builds the esm-core mapping as {@link #create} would, without calling any service and without starting it,
     * and drops it: the checks esm-core and the on-failure destinations make when a mapping is built (a
     * StartingPositionTimestamp in the future, a FIFO queue's BatchSize and window, filter keys the source does not
     * filter, the destination's form) then refuse it when it is created, updated or read from the file, as Lambda
     * refuses it at creation, instead of failing every start. Throws
     * {@link io.esm4j.worker.config.InvalidMappingException}; by default checks nothing more than {@link #validate}.
     *
     * @param name the mapping's name (its UUID), as {@link #create} gets it
     */
    default void checkBuild(String name, MappingSpec spec, WorkerContext context) {
    }

    /**
     * The event a Java handler of this mapping is given ({@code SQSEvent}, {@code KinesisEvent}, ...), so that a
     * {@code RequestHandler} of another event is refused when the mapping is read or created rather than failing
     * every batch with a ClassCastException; null when the source takes any handler.
     */
    default @Nullable Class<?> handlerEvent(MappingSpec spec) {
        return null;
    }

    /**
     * Refuses what UpdateEventSourceMapping may not change for this source, beyond the fields that request does not
     * have at all (which {@link MappingSpec#merge} refuses); by default nothing.
     *
     * @param name    the mapping's name (its UUID)
     * @param current the mapping as it is
     * @param updated the mapping as the update would make it, already validated
     */
    default void checkUpdate(String name, MappingSpec current, MappingSpec updated) {
    }

    /**
     * The values Lambda's API reports for fields the request left out, by Lambda's field name (BatchSize 10 for SQS,
     * 100 for Kinesis, ...), taken from esm-core's settings.
     */
    default Map<String, Object> defaults() {
        return Map.of();
    }

    /**
     * {@link #defaults()} for one mapping: what Lambda reports for it that depends on the mapping (a Kafka mapping's
     * consumer group is its UUID when its request named none). An object value fills in the fields the request's
     * object of that name left out.
     */
    default Map<String, Object> defaults(String uuid, MappingSpec spec) {
        return defaults();
    }

    /**
     * Builds the mapping, not yet started.
     *
     * @param name    the mapping's stable name (its UUID): it scopes leases and checkpoints
     * @param target  where batches go
     */
    RunningMapping create(String name, MappingSpec spec, MappingTarget target, WorkerContext context)
            throws Exception;
}

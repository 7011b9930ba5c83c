package io.esm4j.handler;

/**
 * The keys esm4j puts in SLF4J's MDC while a handler runs, so that the handler's own log lines (and those of the
 * libraries it calls on its thread) can say which mapping and which shard, partition or queue the batch came from
 * without the handler passing them around: {@code %X{esm4j.mapping}} in a Logback or Log4j 2 pattern, or a JSON
 * encoder that writes the MDC. They are set for the call only and removed when it returns; whether a thread the
 * handler starts takes them along is the back end's choice (Logback's MDC does not, SLF4J's BasicMDCAdapter does). An
 * SLF4J back end without an MDC (slf4j-simple, slf4j-nop) ignores them.
 */
public final class HandlerLogContext {

    /** The mapping's name. */
    public static final String MAPPING = "esm4j.mapping";
    /** The batch's {@link Batch#partition()}: the shard, the Kafka topic-partition or the queue. */
    public static final String PARTITION = "esm4j.partition";

    private HandlerLogContext() {
    }
}

/**
 * esm4j's engine: stream and queue event source mappings with AWS Lambda's semantics, their settings, the source,
 * lease-store, failure-destination and idempotency-store SPIs, filter criteria, and in-memory sources for tests.
 *
 * <p>Only API packages are exported. The engine itself lives in {@code io.esm4j.internal.*}, which users cannot
 * reach, so it can change without breaking them. The parts a source that drives its own reading needs (Kafka's
 * consumer group: a shard pipeline per partition, fed and committed on its poll thread) are exported to that source
 * module alone; it is released with this one.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.core {
    // Public signatures name Jackson (FilterDocuments.dynamodb(JsonNode), IdempotencyKey.jsonPointer) and Micrometer
    // (the builders' meterRegistry, Idempotency.deduplicator): a user module must read them to call those methods.
    // Micrometer is an automatic module (its jar names itself micrometer.core), hence the suppressed warnings.
    requires transitive com.fasterxml.jackson.databind;
    requires transitive micrometer.core;
    // Static: the annotations matter to compilers and checkers, not at run time. Transitive: a module that reads
    // this one reads them too, so its nullness checker (NullAway, Kotlin, an IDE) sees @NullMarked without declaring
    // JSpecify itself. JUnit declares it the same way.
    requires static transitive org.jspecify;
    // Only io.esm4j.internal.lambda needs it (the Lambda adapters' tumbling-window events), and the Maven dependency
    // is optional: static, because the module runs without it. Its name comes from the jar file name.
    requires static aws.lambda.java.events;
    requires io.github.resilience4j.core;
    requires org.slf4j;

    exports io.esm4j;
    exports io.esm4j.failure;
    exports io.esm4j.filter;
    exports io.esm4j.handler;
    exports io.esm4j.idempotency;
    exports io.esm4j.lease;
    exports io.esm4j.metrics;
    exports io.esm4j.queue;
    exports io.esm4j.settings;
    exports io.esm4j.stream;
    exports io.esm4j.stream.polling;
    exports io.esm4j.testing;

    // esm4j's Kafka source runs partitions through the stream engine's pipeline (EngineFactory, ShardPipeline) instead
    // of copying it; a qualified export keeps these packages out of the API (source-kafka/README.md, "Design").
    exports io.esm4j.internal to io.esm4j.kafka, io.esm4j.kinesis;
    exports io.esm4j.internal.handler to io.esm4j.kafka;
    exports io.esm4j.internal.metrics to io.esm4j.kafka;
    exports io.esm4j.internal.retry to io.esm4j.kafka;
    exports io.esm4j.internal.stream to io.esm4j.kafka;
    // The tumbling-window events of handlers written for Lambda, one copy for the two stream sources' adapters.
    exports io.esm4j.internal.lambda to io.esm4j.kinesis, io.esm4j.dynamodbstreams;
}

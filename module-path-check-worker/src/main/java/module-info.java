/**
 * A user's module embedding the esm4j worker on the module path: its Java handlers, which the worker loads by class
 * name, and an event source plugged in through {@link io.esm4j.worker.source.SourceFactory}. Of esm4j it requires the
 * worker alone: the worker brings core, the sources, sinks and aws-lambda-java-core and -events with it. Not shipped.
 */
module io.esm4j.modulepath.worker {
    requires io.esm4j.worker;
    // What a user legitimately uses directly: the application logs through SLF4J as the worker does.
    requires org.slf4j;

    // The worker makes the handlers named in its mappings file by reflection (public no-argument constructor).
    exports io.esm4j.modulepath.worker.handlers to io.esm4j.worker;
    // A handler's response other than a String or SQSBatchResponse is written as JSON by Jackson, as Lambda's Java
    // runtime does: Jackson reads the response record's accessors.
    exports io.esm4j.modulepath.worker.responses to com.fasterxml.jackson.databind;

    provides io.esm4j.worker.source.SourceFactory with io.esm4j.modulepath.worker.MemorySourceFactory;
}

/**
 * A user's module of esm4j on the module path: it requires the esm4j modules and nothing they bring, so that its
 * compilation proves their {@code requires transitive} let a user call every public signature it calls, and its
 * tests (run inside this module, on the module path) prove the library runs there. Not shipped.
 */
@SuppressWarnings("requires-automatic")
module io.esm4j.modulepath {
    requires io.esm4j.core;
    requires io.esm4j.sqs;
    requires io.esm4j.kinesis;
    requires io.esm4j.dynamodbstreams;
    requires io.esm4j.kafka;
    requires io.esm4j.sinks;
    requires io.esm4j.dynamodb;
    requires io.esm4j.redis;
    // Not through esm4j: the SDK's own API this module calls to give its clients credentials, a region and a retry
    // strategy. The SDK's jars are automatic modules, which cannot say what they require; a user names them.
    requires software.amazon.awssdk.auth;
    requires software.amazon.awssdk.regions;
    requires software.amazon.awssdk.retries.api;

    exports io.esm4j.modulepath;
}

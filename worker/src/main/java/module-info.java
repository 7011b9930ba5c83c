/**
 * esm4j as a process: mappings from a file or Lambda's control-plane API, invoking Lambda functions, HTTP URLs or
 * Java handlers, with health, metrics and a status page. {@code io.esm4j.worker.source} is the SPI through which
 * further sources plug in.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.worker {
    requires transitive io.esm4j.core;
    requires transitive io.esm4j.sqs;
    requires transitive io.esm4j.kinesis;
    requires transitive io.esm4j.dynamodbstreams;
    requires transitive io.esm4j.kafka;
    requires transitive io.esm4j.sinks;
    requires io.esm4j.dynamodb;
    requires io.esm4j.redis;
    requires transitive aws.lambda.java.core;
    requires transitive aws.lambda.java.events;
    requires transitive software.amazon.awssdk.auth;
    requires transitive software.amazon.awssdk.regions;
    requires software.amazon.awssdk.core;
    requires software.amazon.awssdk.services.glue;
    requires software.amazon.awssdk.awscore;
    requires software.amazon.awssdk.profiles;
    requires software.amazon.awssdk.http;
    requires software.amazon.awssdk.http.nio.netty;
    requires software.amazon.awssdk.http.auth.aws;
    requires software.amazon.awssdk.http.auth.spi;
    requires software.amazon.awssdk.identity.spi;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires micrometer.registry.prometheus;
    requires jdk.httpserver;
    // HttpUrlTarget and LambdaInvokeTarget (exported io.esm4j.worker.invoke) take java.net.http's HttpClient.
    requires transitive java.net.http;
    requires org.slf4j;
    requires static org.jspecify;

    exports io.esm4j.worker;
    exports io.esm4j.worker.config;
    exports io.esm4j.worker.source;
    exports io.esm4j.worker.invoke;

    // SLF4J finds the back end with the ServiceLoader, but makes the one its slf4j.provider property names (how an
    // application with a second back end picks this one) by reflection: that needs the package exported to it.
    exports io.esm4j.worker.logging to org.slf4j;

    uses io.esm4j.worker.source.SourceFactory;
    provides org.slf4j.spi.SLF4JServiceProvider with io.esm4j.worker.logging.JsonLoggingProvider;
}

/**
 * Kafka topics as the source of an event source mapping, with Lambda's Kafka semantics: a consumer group, the
 * Lambda-shaped Kafka event, {@code <topic>-<partition>} item identifiers, a Kafka topic as on-failure destination,
 * and an adapter for handlers written against {@code aws-lambda-java-events}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.esm4j.kafka {
    requires transitive io.esm4j.core;
    // KafkaSource.Builder takes consumer properties by Kafka's names, and the failure topic is a Kafka producer.
    requires transitive kafka.clients;
    // Only KafkaLambdaAdapter needs it (optional Maven dependency): see source-kinesis's module-info for why
    // static and not transitive (a user module must compile without the jar).
    requires static aws.lambda.java.events;
    // Only KafkaSchemaRegistry.glue needs it (optional Maven dependency), for the same reason.
    requires static software.amazon.awssdk.services.glue;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires java.net.http;
    requires org.apache.avro;
    requires com.networknt.schema;
    requires org.slf4j;
    requires static org.jspecify;

    exports io.esm4j.kafka;
}

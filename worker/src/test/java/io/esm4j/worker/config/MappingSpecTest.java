package io.esm4j.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A mapping as Lambda's request describes it, and how UpdateEventSourceMapping's fields change it. */
class MappingSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KINESIS = "\"EventSourceArn\": \"arn:aws:kinesis:us-east-1:000000000000:stream/s\", "
            + "\"FunctionName\": \"f\", \"StartingPosition\": \"LATEST\"";

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void anEmptyOnFailureDestinationRemovesItAsInLambda() throws Exception {
        MappingSpec withDestination = MappingSpec.of(json("{" + KINESIS + ", \"DestinationConfig\": {\"OnFailure\": "
                + "{\"Destination\": \"arn:aws:sqs:us-east-1:000000000000:failures\"}}}"), "");

        MappingSpec removed = withDestination.merge(json("{\"DestinationConfig\": {\"OnFailure\": "
                + "{\"Destination\": \"\"}}}"));

        assertThat(withDestination.onFailureDestination()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:failures");
        assertThat(removed.onFailureDestination()).isNull();
        assertThat(removed.toJson().has("DestinationConfig")).isFalse();
        assertThat(MappingSpec.of(json("{" + KINESIS + ", \"DestinationConfig\": {\"OnFailure\": "
                + "{\"Destination\": \"\"}}}"), "").onFailureDestination()).isNull();
    }

    @Test
    void anUpdateRefusesTheFieldsLambdasUpdateEventSourceMappingDoesNotTakeNamingEach() throws Exception {
        MappingSpec spec = MappingSpec.of(json("{" + KINESIS + "}"), "");
        for (String field : List.of("\"EventSourceArn\": \"arn:aws:kinesis:us-east-1:000000000000:stream/other\"",
                "\"StartingPosition\": \"TRIM_HORIZON\"", "\"StartingPositionTimestamp\": 1700000000",
                "\"Topics\": [\"t\"]", "\"Queues\": [\"q\"]", "\"Tags\": {\"team\": \"a\"}",
                "\"SelfManagedEventSource\": {\"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": [\"b:9092\"]}}")) {
            String name = field.substring(1, field.indexOf('"', 1));
            assertThatThrownBy(() -> spec.merge(json("{" + field + "}")))
                    .as(name)
                    .isInstanceOf(InvalidMappingException.class)
                    .hasMessageStartingWith("Invalid value for " + name + ": ")
                    .hasMessageContaining(name + " cannot be changed: Lambda's UpdateEventSourceMapping does not "
                            + "take it.")
                    .satisfies(e -> assertThat(((InvalidMappingException) e).field()).isEqualTo(name));
        }
        assertThat(spec.merge(json("{\"BatchSize\": 7, \"FunctionName\": \"g\"}")).toJson())
                .isEqualTo(json("{" + KINESIS.replace("\"f\"", "\"g\"") + ", \"BatchSize\": 7}"));
    }

    /** An unknown field of an update is named with the fields an update takes, not a create's. */
    @Test
    void anUpdateNamesAnUnknownFieldWithTheFieldsAnUpdateTakes() throws Exception {
        MappingSpec spec = MappingSpec.of(json("{" + KINESIS + "}"), "");

        assertThatThrownBy(() -> spec.merge(json("{\"BatchSize\": 7, \"Bogus\": 1}")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for Bogus: 1. Unknown field; an update takes the fields of "
                        + "Lambda's UpdateEventSourceMapping request: FunctionName, Enabled, BatchSize, ")
                .hasMessageNotContaining("EventSourceArn")
                .hasMessageNotContaining("StartingPosition");
    }

    @Test
    void anUpdateChangesTheKafkaConfigFieldByField() throws Exception {
        MappingSpec kafka = MappingSpec.of(json("""
                {"FunctionName": "f", "Topics": ["orders"], "StartingPosition": "LATEST",
                 "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["b:9092"]}},
                 "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": "orders-group"}}
                """), "");

        MappingSpec updated = kafka.merge(json("""
                {"SelfManagedKafkaEventSourceConfig": {"SchemaRegistryConfig": {"EventRecordFormat": "JSON"}}}
                """));

        assertThat(updated.node("SelfManagedKafkaEventSourceConfig")).isEqualTo(json("""
                {"ConsumerGroupId": "orders-group", "SchemaRegistryConfig": {"EventRecordFormat": "JSON"}}
                """));
    }
}

package io.esm4j.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
}

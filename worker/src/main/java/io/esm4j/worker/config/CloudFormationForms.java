package io.esm4j.worker.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The {@code Properties} of a CloudFormation {@code AWS::Lambda::EventSourceMapping} where they differ from Lambda's
 * CreateEventSourceMapping request, turned into the request's form so that a mapping lifted from a template works as
 * it is: {@code Tags} as a list of {@code {Key, Value}} (the request's is a map) and {@code KmsKeyArn} (the request's
 * {@code KMSKeyArn}). Numbers and booleans as strings are {@link LambdaFields}' business.
 */
final class CloudFormationForms {

    private static final Map<String, String> RENAMED = Map.of("KmsKeyArn", LambdaFields.KMS_KEY_ARN);

    private CloudFormationForms() {}

    /** The mapping in the request's form; anything else is left for {@link LambdaFields} to check and refuse. */
    static JsonNode toRequest(JsonNode mapping, String where) {
        if (!mapping.isObject()) {
            return mapping;
        }
        ObjectNode request = ((ObjectNode) mapping).deepCopy();
        RENAMED.forEach((template, field) -> {
            if (request.has(template) && !request.has(field)) {
                request.set(field, request.remove(template));
            }
        });
        JsonNode tags = request.get(LambdaFields.TAGS);
        if (tags != null && tags.isArray()) {
            ObjectNode map = request.objectNode();
            for (int i = 0; i < tags.size(); i++) {
                JsonNode tag = tags.get(i);
                if (!tag.isObject() || tag.size() != 2 || !tag.path("Key").isTextual()
                        || !tag.path("Value").isTextual()) {
                    throw new InvalidMappingException(where + "." + LambdaFields.TAGS + "[" + i + "]", tag,
                            "Expected {Key: <string>, Value: <string>} (CloudFormation's form), or Tags as an object "
                                    + "of keys to values (the API's).");
                }
                map.put(tag.get("Key").asText(), tag.get("Value").asText());
            }
            request.set(LambdaFields.TAGS, map);
        }
        return request;
    }
}

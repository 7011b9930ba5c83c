package io.esm4j.worker.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.worker.config.InvalidMappingException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Kafka mapping's {@code ConsumerGroupId} as Lambda's API takes it: a string of 1-200 characters (the length is the
 * source's own check, {@link KafkaSource#CONSUMER_GROUP_ID}) from Lambda's pattern {@code [a-zA-Z0-9-\/*:_+=.@-]*}.
 * Kafka itself takes any string, so a group id outside the pattern would run here and be refused by Lambda.
 */
final class KafkaConsumerGroupIds {

    private static final Pattern LAMBDA_CHARACTERS = Pattern.compile("[a-zA-Z0-9/*:_+=.@-]*");
    private static final String EXPECTED = "Expected " + KafkaSource.CONSUMER_GROUP_ID.range() + " from a-z, A-Z, "
            + "0-9 and - / * : _ + = . @, as Lambda takes (or leave it out: the mapping's UUID is then its group).";

    private KafkaConsumerGroupIds() {}

    /** The group id given, or null without one; a value that is not a string is refused. */
    static @Nullable String text(String field, @Nullable JsonNode groupId) {
        if (groupId == null) {
            return null;
        }
        if (!groupId.isTextual()) {
            throw new InvalidMappingException(field, groupId, EXPECTED);
        }
        return groupId.asText();
    }

    /**
     * Refuses a group id with a character outside Lambda's pattern. Checked where a mapping is created, updated or
     * read from the worker file, not at each start: a mapping stored before this check keeps its group, and with it
     * its committed offsets.
     */
    static void checkCharacters(String field, @Nullable JsonNode groupId) {
        String id = text(field, groupId);
        if (id != null && !LAMBDA_CHARACTERS.matcher(id).matches()) {
            throw new InvalidMappingException(field, id, EXPECTED);
        }
    }
}

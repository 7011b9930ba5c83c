package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded generator of filter patterns (mostly well formed, some broken in one place, some garbage) and of event
 * documents, drawing from small pools so that patterns and documents often meet on the same keys and values.
 */
final class RandomJson {

    static final List<String> KEYS = List.of("a", "b", "data", "body", "value", "", "é");
    static final List<String> STRINGS = List.of("", "x", "X", "abc", "us-east-1", "US-EAST-1", "a.png", "dir/a.png",
            "10.0.0.1", "10.0.0.300", "::1", "2001:db8::1", "::ffff:10.0.0.1", "init", "null", "true", "5", "*",
            "\\", "a*b", "é", "e\u0301", "\u0000", "\uD83D\uDE00", "1.2.3.4/8", ":::", "1:2:3:4:5:6:7:1.2.3.4");
    /** Field names that are valid outside $or only, or that look like operators to a careless writer. */
    private static final List<String> TRICKY_KEYS = List.of("prefix", "numeric", "$or", "exists");
    private static final String PATTERN_CHARACTERS = "{}[]\":,\\ab1-*.e$ \n";
    private static final List<String> OPERATORS =
            List.of("equals-ignore-case", "prefix", "suffix", "wildcard", "numeric", "exists", "cidr", "anything-but");
    private static final List<String> UNKNOWN_OPERATORS = List.of("regex", "$or", "Prefix", "exactly", "");
    private static final List<String> BAD_COMPARATORS = List.of("!=", "==", "", "=>", "<>");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Random random;
    private final int mistakePercent;

    /** @param mistakePercent how often each choice in a generated pattern is a deliberate mistake */
    RandomJson(Random random, int mistakePercent) {
        this.random = random;
        this.mistakePercent = mistakePercent;
    }

    // --- patterns ---

    /** Mostly small sets of well-formed patterns; the rest mix in broken text and garbage, or exceed the quota. */
    List<String> patternList() {
        boolean wellFormed = chance(60);
        List<String> patterns = new ArrayList<>();
        int count = chance(10) ? 1 + random.nextInt(11) : 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            patterns.add(wellFormed ? patternObject(0).toString() : pattern());
        }
        return patterns;
    }

    String pattern() {
        int kind = random.nextInt(10);
        if (kind < 7) {
            return patternObject(0).toString();
        }
        return kind < 9 ? mutate(patternObject(0).toString()) : garbage();
    }

    ObjectNode patternObject(int depth) {
        ObjectNode object = NODES.objectNode();
        int fields = mistake() ? 0 : 1 + random.nextInt(3);
        for (int i = 0; i < fields; i++) {
            String key = mistake() ? pick(TRICKY_KEYS) : chance(15) ? "$or" : pick(KEYS);
            if (key.equals("$or")) {
                object.set(key, mistake() ? scalar() : orArray(depth));
            } else if (depth < 3 && chance(25)) {
                object.set(key, patternObject(depth + 1));
            } else {
                object.set(key, mistake() ? scalar() : valueList());
            }
        }
        return object;
    }

    private ArrayNode orArray(int depth) {
        ArrayNode branches = NODES.arrayNode();
        int count = mistake() ? random.nextInt(2) : 2 + random.nextInt(2);
        for (int i = 0; i < count; i++) {
            branches.add(mistake() ? scalar() : patternObject(depth + 1));
        }
        return branches;
    }

    private ArrayNode valueList() {
        ArrayNode values = NODES.arrayNode();
        int count = mistake() ? 0 : 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            values.add(mistake() ? NODES.arrayNode().add(scalar()) : chance(50) ? scalar() : operator());
        }
        return values;
    }

    private JsonNode operator() {
        String name = mistake() ? pick(UNKNOWN_OPERATORS) : pick(OPERATORS);
        JsonNode argument = mistake() ? scalar() : switch (name) {
            case "equals-ignore-case" -> NODES.textNode(string());
            case "prefix", "suffix" -> chance(70) ? NODES.textNode(string())
                    : NODES.objectNode().put("equals-ignore-case", string());
            case "wildcard" -> NODES.textNode(wildcardText());
            case "numeric" -> numericArguments();
            case "exists" -> NODES.booleanNode(random.nextBoolean());
            case "cidr" -> NODES.textNode(cidr());
            case "anything-but" -> anythingButArgument();
            default -> scalar();
        };
        ObjectNode operator = NODES.objectNode().set(name, argument);
        if (mistake()) {
            operator.put("suffix", "x");
        }
        return operator;
    }

    private JsonNode numericArguments() {
        ArrayNode arguments = NODES.arrayNode();
        double low = random.nextInt(21) - 10;
        switch (random.nextInt(4)) {
            case 0 -> arguments.add("=").add(number());
            case 1 -> arguments.add(pick(List.of(">", ">=", "<", "<="))).add(number());
            default -> arguments.add(pick(List.of(">", ">="))).add(low)
                    .add(pick(List.of("<", "<="))).add(low + 0.5 + random.nextInt(10));
        }
        if (mistake()) {
            arguments.set(0, NODES.textNode(pick(BAD_COMPARATORS)));
        }
        if (mistake()) {
            arguments.add(">");
        }
        return arguments;
    }

    private JsonNode anythingButArgument() {
        return switch (random.nextInt(4)) {
            case 0 -> NODES.textNode(string());
            case 1 -> number();
            case 2 -> {
                ArrayNode list = NODES.arrayNode();
                boolean numbers = random.nextBoolean();
                int count = mistake() ? 0 : 1 + random.nextInt(3);
                for (int i = 0; i < count; i++) {
                    list.add(numbers != mistake() ? number() : NODES.textNode(string()));
                }
                yield list;
            }
            default -> {
                String name = mistake() ? pick(List.of("anything-but", "numeric", "exists"))
                        : pick(List.of("prefix", "suffix", "equals-ignore-case", "wildcard"));
                String text = name.equals("wildcard") ? wildcardText() : "p" + string();
                yield NODES.objectNode().set(name, chance(70) ? NODES.textNode(text)
                        : NODES.arrayNode().add(text).add(name.equals("wildcard") ? wildcardText() : "q"));
            }
        };
    }

    private String cidr() {
        if (mistake()) {
            return random.nextInt(300) + "." + random.nextInt(256) + ".0.1/" + (random.nextInt(140) - 2);
        }
        return chance(50)
                ? random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
                        + random.nextInt(256) + "/" + random.nextInt(33)
                : "2001:db8::" + Integer.toHexString(random.nextInt(0x10000)) + "/" + random.nextInt(129);
    }

    /** Literal parts of a, b and escapes, joined by single stars; a mistake is raw text that may not parse. */
    String wildcardText() {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(8);
        for (int i = 0; i < length; i++) {
            if (mistake()) {
                text.append("*\\".charAt(random.nextInt(2)));
            } else if (chance(30) && (text.isEmpty() || text.charAt(text.length() - 1) != '*')) {
                text.append('*');
            } else {
                text.append(pick(List.of("a", "b", ".", "\\*", "\\\\")));
            }
        }
        return text.toString();
    }

    private String mutate(String text) {
        StringBuilder mutated = new StringBuilder(text);
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits && !mutated.isEmpty(); i++) {
            int at = random.nextInt(mutated.length());
            switch (random.nextInt(4)) {
                case 0 -> mutated.deleteCharAt(at);
                case 1 -> mutated.insert(at, PATTERN_CHARACTERS.charAt(random.nextInt(PATTERN_CHARACTERS.length())));
                case 2 -> mutated.setCharAt(at, PATTERN_CHARACTERS.charAt(random.nextInt(PATTERN_CHARACTERS.length())));
                default -> mutated.setLength(at);
            }
        }
        return mutated.toString();
    }

    private String garbage() {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(40);
        for (int i = 0; i < length; i++) {
            text.append(chance(90) ? PATTERN_CHARACTERS.charAt(random.nextInt(PATTERN_CHARACTERS.length()))
                    : (char) random.nextInt(0x3000));
        }
        return text.toString();
    }

    // --- documents ---

    FilterDocument document() {
        return switch (random.nextInt(20)) {
            case 0 -> FilterDocument.of(value(2));
            case 1 -> FilterDocuments.kinesisData(chance(50) ? bytes() : jsonBytes());
            case 2 -> FilterDocuments.sqsBody(chance(50) ? string() : value(0).toString());
            case 3 -> FilterDocuments.kafkaValue(chance(10) ? null : chance(50) ? bytes() : jsonBytes());
            case 4 -> FilterDocument.of(deepArrays());
            default -> FilterDocument.of(object(0));
        };
    }

    ObjectNode object(int depth) {
        ObjectNode object = NODES.objectNode();
        int fields = random.nextInt(5);
        for (int i = 0; i < fields; i++) {
            object.set(pick(KEYS), value(depth + 1));
        }
        return object;
    }

    JsonNode value(int depth) {
        int kind = random.nextInt(depth < 4 ? 9 : 6);
        return switch (kind) {
            case 0, 1 -> NODES.textNode(string());
            case 2 -> number();
            case 3 -> NODES.booleanNode(random.nextBoolean());
            case 4 -> chance(90) ? NODES.nullNode() : NODES.binaryNode(bytes()); // binary: no JSON, still no throw
            case 5 -> NODES.textNode(string());
            case 6 -> object(depth);
            default -> {
                ArrayNode array = NODES.arrayNode();
                int count = random.nextInt(4);
                for (int i = 0; i < count; i++) {
                    array.add(value(depth + 1));
                }
                yield array;
            }
        };
    }

    private ObjectNode deepArrays() {
        JsonNode value = object(3);
        for (int i = 0; i < 200; i++) {
            value = NODES.arrayNode().add(value);
        }
        return NODES.objectNode().set(pick(KEYS), value);
    }

    // --- leaves ---

    JsonNode scalar() {
        return switch (random.nextInt(5)) {
            case 0, 1 -> NODES.textNode(string());
            case 2 -> number();
            case 3 -> NODES.booleanNode(random.nextBoolean());
            default -> NODES.nullNode();
        };
    }

    String string() {
        return chance(85) ? pick(STRINGS) : garbage();
    }

    JsonNode number() {
        return switch (random.nextInt(7)) {
            case 0 -> NODES.numberNode(random.nextInt(21) - 10);
            case 1 -> NODES.numberNode(random.nextLong());
            case 2 -> NODES.numberNode((random.nextInt(2001) - 1000) / 4.0);
            case 3 -> NODES.numberNode(pick(List.of(300, 100, 0, -1, 200)));
            case 4 -> NODES.numberNode(pick(List.of(300.0, -0.0, 1e300, -5e9, 3.018e2, Double.MIN_VALUE)));
            case 5 -> NODES.numberNode(new BigInteger(80, random));
            default -> NODES.numberNode(random.nextGaussian() * 1e6);
        };
    }

    private byte[] jsonBytes() {
        return value(1).toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] bytes() {
        byte[] bytes = new byte[random.nextInt(12)];
        random.nextBytes(bytes);
        return bytes;
    }

    <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    private boolean mistake() {
        return chance(mistakePercent);
    }
}

package io.esm4j.filter;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one pattern string into a matcher tree, rejecting everything EventBridge's pattern compiler rejects, so that a
 * mapping fails when it is built rather than when records arrive.
 */
final class PatternCompiler {

    /** EventBridge refuses patterns whose {@code $or} arrays multiply out to more rule combinations than this. */
    static final int MAX_OR_COMBINATIONS = 1000;

    private static final String OR = "$or";
    private static final int MAX_RENDERED_LENGTH = 80;

    private final String filterName;
    private final OperatorCompiler operators;

    private PatternCompiler(String filterName) {
        this.filterName = filterName;
        this.operators = new OperatorCompiler(this);
    }

    /**
     * @param pattern    the pattern as written in FilterCriteria.Filters[].Pattern
     * @param filterName how messages name this pattern, such as "Filter 2"
     */
    static ObjectPattern compile(String pattern, String filterName) {
        return new PatternCompiler(filterName).compileRoot(pattern);
    }

    private ObjectPattern compileRoot(String pattern) {
        if (pattern == null) {
            throw new InvalidFilterPatternException(filterName + " is null.");
        }
        if (pattern.length() > FilterCriteria.MAX_PATTERN_LENGTH) {
            throw new InvalidFilterPatternException(filterName + " is " + pattern.length()
                    + " characters long; the maximum is " + FilterCriteria.MAX_PATTERN_LENGTH + ".");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(pattern);
        } catch (JacksonException e) {
            throw new InvalidFilterPatternException(filterName + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidFilterPatternException(filterName + " must be a JSON object, not "
                    + (root == null || root.isMissingNode() ? "empty text" : render(root)) + ".");
        }
        ObjectPattern compiled = object((ObjectNode) root, "", false);
        if (combinations(compiled) > MAX_OR_COMBINATIONS) {
            throw new InvalidFilterPatternException(filterName + ": its $or arrays multiply out to more than "
                    + MAX_OR_COMBINATIONS + " combinations.");
        }
        return compiled;
    }

    private ObjectPattern object(ObjectNode node, String path, boolean insideOr) {
        if (node.isEmpty()) {
            throw invalid(path, "an empty object matches nothing and is not allowed");
        }
        List<ObjectPattern.Field> fields = new ArrayList<>();
        List<ObjectPattern.OrGroup> ors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String name = entry.getKey();
            JsonNode value = entry.getValue();
            String fieldPath = path.isEmpty() ? name : path + "." + name;
            if (name.equals(OR)) {
                ors.add(orGroup(value, fieldPath));
            } else if (insideOr && OperatorCompiler.OPERATORS.contains(name)) {
                // EventBridge reserves operator names inside $or so a misplaced operator is not read as a field.
                throw invalid(fieldPath, "the operator name \"" + name
                        + "\" cannot be used as a field name inside $or");
            } else if (value.isObject()) {
                fields.add(new ObjectPattern.Field(name, object((ObjectNode) value, fieldPath, insideOr)));
            } else if (value.isArray()) {
                fields.add(new ObjectPattern.Field(name, valueList((ArrayNode) value, fieldPath)));
            } else {
                throw invalid(fieldPath, "must be an object or an array of match values, not " + render(value));
            }
        }
        return new ObjectPattern(fields.toArray(ObjectPattern.Field[]::new), ors.toArray(ObjectPattern.OrGroup[]::new));
    }

    private ObjectPattern.OrGroup orGroup(JsonNode value, String path) {
        if (!value.isArray() || value.size() < 2) {
            throw invalid(path, "$or must be an array of at least 2 objects, not " + render(value));
        }
        ObjectPattern[] branches = new ObjectPattern[value.size()];
        for (int i = 0; i < branches.length; i++) {
            JsonNode branch = value.get(i);
            String branchPath = path + "[" + i + "]";
            if (!branch.isObject()) {
                throw invalid(branchPath, "each $or branch must be an object, not " + render(branch));
            }
            branches[i] = object((ObjectNode) branch, branchPath, true);
        }
        return new ObjectPattern.OrGroup(branches);
    }

    private ValueList valueList(ArrayNode values, String path) {
        if (values.isEmpty()) {
            throw invalid(path, "an empty array matches nothing and is not allowed");
        }
        Set<String> strings = new LinkedHashSet<>();
        List<Condition> conditions = new ArrayList<>();
        boolean existsFalse = false;
        for (JsonNode value : values) {
            switch (value.getNodeType()) {
                case STRING -> strings.add(value.textValue());
                case NUMBER -> conditions.add(operators.exactNumber(value, path));
                case BOOLEAN -> conditions.add(new Condition.ExactBoolean(value.booleanValue()));
                case NULL -> conditions.add(new Condition.ExactNull());
                case OBJECT -> {
                    Condition condition = operators.compile((ObjectNode) value, path);
                    if (condition instanceof Condition.Exists exists && !exists.present()) {
                        existsFalse = true;
                    } else {
                        conditions.add(condition);
                    }
                }
                default -> throw invalid(path, "a match value must be a string, number, boolean, null or an "
                        + "operator object, not " + render(value));
            }
        }
        return new ValueList(new ScalarTest(Set.copyOf(strings), conditions.toArray(Condition[]::new)), existsFalse);
    }

    /** How many plain AND-rules the pattern expands to, capped just past the limit so it cannot overflow. */
    private static long combinations(ObjectPattern pattern) {
        long total = 1;
        for (ObjectPattern.Field field : pattern.fields()) {
            if (field.rule() instanceof ObjectPattern nested) {
                total = capped(total * combinations(nested));
            }
        }
        for (ObjectPattern.OrGroup or : pattern.ors()) {
            long branches = 0;
            for (ObjectPattern branch : or.branches()) {
                branches = capped(branches + combinations(branch));
            }
            total = capped(total * branches);
        }
        return total;
    }

    private static long capped(long combinations) {
        return Math.min(combinations, MAX_OR_COMBINATIONS + 1);
    }

    InvalidFilterPatternException invalid(String path, String reason) {
        String where = path.isEmpty() ? filterName : filterName + ", field " + path;
        return new InvalidFilterPatternException(where + ": " + reason + ".");
    }

    static String render(JsonNode value) {
        String text = value.toString();
        return text.length() <= MAX_RENDERED_LENGTH ? text : text.substring(0, MAX_RENDERED_LENGTH) + "...";
    }
}

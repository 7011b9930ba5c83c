package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Compiles the operator objects of a value list, such as {@code {"numeric": [">", 0, "<=", 5]}}. */
final class OperatorCompiler {

    private static final String EQUALS_IGNORE_CASE = "equals-ignore-case";
    private static final String PREFIX = "prefix";
    private static final String SUFFIX = "suffix";
    private static final String WILDCARD = "wildcard";
    private static final String ANYTHING_BUT = "anything-but";
    private static final String NUMERIC = "numeric";
    private static final String EXISTS = "exists";
    private static final String CIDR = "cidr";

    /** Every operator name; also the names a field inside $or may not have. */
    static final Set<String> OPERATORS =
            Set.of(EQUALS_IGNORE_CASE, PREFIX, SUFFIX, WILDCARD, ANYTHING_BUT, NUMERIC, EXISTS, CIDR);

    private static final Set<String> COMPARATORS = Set.of("<", "<=", "=", ">", ">=");
    private static final String RANGE_SHAPE =
            "a range is written [\">\" or \">=\", lower, \"<\" or \"<=\", upper]";

    private final PatternCompiler compiler;

    OperatorCompiler(PatternCompiler compiler) {
        this.compiler = compiler;
    }

    Condition compile(ObjectNode operator, String path) {
        if (operator.size() != 1) {
            throw compiler.invalid(path, "an operator object must hold exactly one operator, not "
                    + PatternCompiler.render(operator));
        }
        Map.Entry<String, JsonNode> only = operator.properties().iterator().next();
        String name = only.getKey();
        JsonNode argument = only.getValue();
        return switch (name) {
            case EQUALS_IGNORE_CASE -> new Condition.EqualsIgnoreCase(string(argument, name, path));
            case PREFIX -> affix(argument, name, path, true);
            case SUFFIX -> affix(argument, name, path, false);
            case WILDCARD -> wildcard(string(argument, name, path), path);
            case NUMERIC -> numeric(argument, path);
            case CIDR -> cidr(argument, path);
            case ANYTHING_BUT -> anythingBut(argument, path);
            case EXISTS -> {
                if (!argument.isBoolean()) {
                    throw compiler.invalid(path, "exists takes true or false, not " + PatternCompiler.render(argument));
                }
                yield new Condition.Exists(argument.booleanValue());
            }
            default -> throw compiler.invalid(path, "unknown operator \"" + name + "\"; supported are "
                    + String.join(", ", OPERATORS.stream().sorted().toList()));
        };
    }

    /** A bare number in a value list. */
    Condition exactNumber(JsonNode number, String path) {
        if (number.isIntegralNumber()) {
            return number.canConvertToLong()
                    ? new Condition.ExactLong(number.longValue())
                    : new Condition.ExactBigInteger(number.bigIntegerValue());
        }
        return new Condition.ExactFloat(finite(number, "match value", path));
    }

    private Condition affix(JsonNode argument, String name, String path, boolean prefix) {
        boolean ignoreCase = argument.isObject();
        String text = ignoreCase ? ignoreCaseString(argument, name, path) : string(argument, name, path);
        return prefix ? new Condition.Prefix(text, ignoreCase) : new Condition.Suffix(text, ignoreCase);
    }

    /** The {@code {"equals-ignore-case": "x"}} form that prefix and suffix accept instead of a string. */
    private String ignoreCaseString(JsonNode argument, String name, String path) {
        if (argument.size() != 1 || !argument.has(EQUALS_IGNORE_CASE)) {
            throw compiler.invalid(path, name + " takes a string or {\"equals-ignore-case\": string}, not "
                    + PatternCompiler.render(argument));
        }
        return string(argument.get(EQUALS_IGNORE_CASE), name + "/" + EQUALS_IGNORE_CASE, path);
    }

    private Wildcard wildcard(String text, String path) {
        try {
            return Wildcard.parse(text);
        } catch (IllegalArgumentException e) {
            throw compiler.invalid(path, "wildcard \"" + text + "\": " + e.getMessage());
        }
    }

    private Cidr cidr(JsonNode argument, String path) {
        String text = string(argument, CIDR, path);
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw compiler.invalid(path, "cidr \"" + text + "\": " + e.getMessage());
        }
    }

    /** {@code ["=", n]}, {@code [op, n]} or a range with the lower bound first, as EventBridge accepts them. */
    private Condition.Numeric numeric(JsonNode argument, String path) {
        if (!argument.isArray() || (argument.size() != 2 && argument.size() != 4)) {
            throw compiler.invalid(path, "numeric takes 2 or 4 elements (operator, number pairs), not "
                    + PatternCompiler.render(argument));
        }
        String first = comparator(argument.get(0), path);
        double firstValue = finite(argument.get(1), "numeric " + first, path);
        if (argument.size() == 2) {
            return switch (first) {
                case "=" -> Condition.Numeric.equalTo(firstValue);
                case ">" -> new Condition.Numeric(firstValue, false, Double.POSITIVE_INFINITY, true);
                case ">=" -> new Condition.Numeric(firstValue, true, Double.POSITIVE_INFINITY, true);
                case "<" -> new Condition.Numeric(Double.NEGATIVE_INFINITY, true, firstValue, false);
                default -> new Condition.Numeric(Double.NEGATIVE_INFINITY, true, firstValue, true); // "<="
            };
        }
        String second = comparator(argument.get(2), path);
        double secondValue = finite(argument.get(3), "numeric " + second, path);
        if (!first.startsWith(">") || !second.startsWith("<")) {
            throw compiler.invalid(path, "numeric range " + PatternCompiler.render(argument) + " is not allowed; "
                    + RANGE_SHAPE);
        }
        if (firstValue >= secondValue) {
            throw compiler.invalid(path, "numeric lower bound " + argument.get(1) + " must be less than upper bound "
                    + argument.get(3));
        }
        return new Condition.Numeric(firstValue, first.equals(">="), secondValue, second.equals("<="));
    }

    private String comparator(JsonNode node, String path) {
        String op = node.isTextual() ? node.textValue() : null;
        if (op == null || !COMPARATORS.contains(op)) {
            throw compiler.invalid(path, "numeric comparator " + PatternCompiler.render(node)
                    + " is not one of \"<\", \"<=\", \"=\", \">\", \">=\"");
        }
        return op;
    }

    private Condition.AnythingBut anythingBut(JsonNode argument, String path) {
        return switch (argument.getNodeType()) {
            case STRING -> excluding(Set.of(argument.textValue()), List.of());
            case NUMBER -> excluding(Set.of(), List.of(Condition.Numeric.equalTo(
                    finite(argument, ANYTHING_BUT, path))));
            case ARRAY -> anythingButList(argument, path);
            case OBJECT -> anythingButOperator(argument, path);
            default -> throw compiler.invalid(path, "anything-but takes a string, a number, a list of them, or one of "
                    + "prefix, suffix, equals-ignore-case, wildcard; not " + PatternCompiler.render(argument));
        };
    }

    /** EventBridge compares anything-but numbers by value, unlike bare numbers, and forbids mixing in strings. */
    private Condition.AnythingBut anythingButList(JsonNode list, String path) {
        if (list.isEmpty()) {
            throw compiler.invalid(path, "anything-but takes a non-empty list, not []");
        }
        boolean strings = list.get(0).isTextual();
        Set<String> texts = new LinkedHashSet<>();
        List<Condition> numbers = new ArrayList<>();
        for (JsonNode value : list) {
            if (strings && value.isTextual()) {
                texts.add(value.textValue());
            } else if (!strings && value.isNumber()) {
                numbers.add(Condition.Numeric.equalTo(finite(value, ANYTHING_BUT, path)));
            } else {
                throw compiler.invalid(path, "anything-but takes a non-empty list of only strings or only numbers, "
                        + "not " + PatternCompiler.render(list));
            }
        }
        return excluding(texts, numbers);
    }

    private Condition.AnythingBut anythingButOperator(JsonNode argument, String path) {
        if (argument.size() != 1) {
            throw compiler.invalid(path, "anything-but takes exactly one of prefix, suffix, equals-ignore-case or "
                    + "wildcard inside an object, not " + PatternCompiler.render(argument));
        }
        Map.Entry<String, JsonNode> only = argument.properties().iterator().next();
        String name = only.getKey();
        JsonNode value = only.getValue();
        String where = ANYTHING_BUT + "/" + name;
        List<Condition> excluded = new ArrayList<>();
        switch (name) {
            case PREFIX, SUFFIX -> {
                for (String text : stringOrList(value, where, path)) {
                    if (text.isEmpty()) {
                        throw compiler.invalid(path, where + " takes non-empty strings");
                    }
                    excluded.add(name.equals(PREFIX)
                            ? new Condition.Prefix(text, false) : new Condition.Suffix(text, false));
                }
            }
            case EQUALS_IGNORE_CASE -> stringOrList(value, where, path)
                    .forEach(text -> excluded.add(new Condition.EqualsIgnoreCase(text)));
            case WILDCARD -> stringOrList(value, where, path).forEach(text -> excluded.add(wildcard(text, path)));
            default -> throw compiler.invalid(path, "anything-but takes one of prefix, suffix, equals-ignore-case "
                    + "or wildcard inside an object, not " + PatternCompiler.render(argument));
        }
        return excluding(Set.of(), excluded);
    }

    private List<String> stringOrList(JsonNode value, String name, String path) {
        if (value.isTextual()) {
            return List.of(value.textValue());
        }
        List<String> texts = new ArrayList<>();
        if (value.isArray()) {
            for (JsonNode element : value) {
                texts.add(string(element, name, path));
            }
        }
        if (texts.isEmpty()) {
            throw compiler.invalid(path, name + " takes a string or a non-empty list of strings, not "
                    + PatternCompiler.render(value));
        }
        return texts;
    }

    private static Condition.AnythingBut excluding(Set<String> strings, List<Condition> conditions) {
        return new Condition.AnythingBut(new ScalarTest(Set.copyOf(strings), conditions.toArray(Condition[]::new)));
    }

    private String string(JsonNode value, String name, String path) {
        if (!value.isTextual()) {
            throw compiler.invalid(path, name + " takes a string, not " + PatternCompiler.render(value));
        }
        return value.textValue();
    }

    /** Jackson reads 1e400 as infinity; no event number can equal or bound it meaningfully. */
    private double finite(JsonNode value, String name, String path) {
        if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
            throw compiler.invalid(path, name + " takes a finite number, not " + PatternCompiler.render(value));
        }
        return value.doubleValue();
    }
}

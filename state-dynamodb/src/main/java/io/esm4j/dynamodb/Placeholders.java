package io.esm4j.dynamodb;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expression attribute names: every attribute is written as a {@code #placeholder} (some, such as {@code owner} or
 * {@code status}, are reserved words), and DynamoDB rejects a request that defines a placeholder its expressions do
 * not use (and so a value). So each request gets exactly the placeholders and values found in its expressions.
 */
final class Placeholders {

    private static final Pattern PLACEHOLDER = Pattern.compile("#[A-Za-z]+");
    private static final Pattern VALUE = Pattern.compile(":[A-Za-z]+");

    private final Map<String, String> dictionary;

    /** @param dictionary placeholder (with its '#') to attribute name */
    Placeholders(Map<String, String> dictionary) {
        this.dictionary = Map.copyOf(dictionary);
    }

    /** The placeholders used by these expressions (nulls are skipped), with their attribute names. */
    Map<String, String> of(String... expressions) {
        Map<String, String> used = new HashMap<>();
        for (String expression : expressions) {
            if (expression == null) {
                continue;
            }
            Matcher matcher = PLACEHOLDER.matcher(expression);
            while (matcher.find()) {
                String name = dictionary.get(matcher.group());
                if (name == null) {
                    throw new IllegalArgumentException("expression '" + expression + "' uses " + matcher.group()
                            + ", which is none of " + dictionary.keySet());
                }
                used.put(matcher.group(), name);
            }
        }
        return used;
    }

    /** The values of {@code values} that these expressions use (DynamoDB rejects unused ones). */
    static <V> Map<String, V> valuesOf(Map<String, V> values, String... expressions) {
        Map<String, V> used = new HashMap<>();
        for (String expression : expressions) {
            if (expression == null) {
                continue;
            }
            Matcher matcher = VALUE.matcher(expression);
            while (matcher.find()) {
                V value = values.get(matcher.group());
                if (value == null) {
                    throw new IllegalArgumentException("expression '" + expression + "' uses " + matcher.group()
                            + ", which has no value among " + values.keySet());
                }
                used.put(matcher.group(), value);
            }
        }
        return used;
    }
}

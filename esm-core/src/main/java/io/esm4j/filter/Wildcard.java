package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"wildcard": "dir/*.png"}}: {@code *} matches any run of characters, {@code \*} is a literal star and
 * {@code \\} a literal backslash. With only one kind of wildcard, taking each literal part at its leftmost place is
 * exact, so matching needs no backtracking.
 *
 * @param parts the literal text around the stars; one part means no star at all
 */
record Wildcard(String[] parts) implements Condition {

    /** @throws IllegalArgumentException naming what EventBridge would reject */
    static Wildcard parse(String text) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean afterStar = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*') {
                if (afterStar) {
                    throw new IllegalArgumentException("consecutive '*' characters are not allowed");
                }
                parts.add(part.toString());
                part.setLength(0);
                afterStar = true;
                continue;
            }
            afterStar = false;
            if (c == '\\') {
                if (i + 1 == text.length()) {
                    throw new IllegalArgumentException("a trailing '\\' escapes nothing");
                }
                c = text.charAt(++i);
                if (c != '*' && c != '\\') {
                    throw new IllegalArgumentException("'\\' may only escape '*' or '\\', not '" + c + "'");
                }
            }
            part.append(c);
        }
        parts.add(part.toString());
        return new Wildcard(parts.toArray(String[]::new));
    }

    @Override
    public boolean test(JsonNode leaf) {
        if (!leaf.isTextual()) {
            return false;
        }
        String text = leaf.textValue();
        String first = parts[0];
        if (parts.length == 1) {
            return text.equals(first);
        }
        String last = parts[parts.length - 1];
        int end = text.length() - last.length();
        if (end < first.length() || !text.startsWith(first) || !text.endsWith(last)) {
            return false;
        }
        int from = first.length();
        for (int i = 1; i < parts.length - 1; i++) {
            int at = text.indexOf(parts[i], from);
            if (at < 0 || at + parts[i].length() > end) {
                return false;
            }
            from = at + parts[i].length();
        }
        return true;
    }
}

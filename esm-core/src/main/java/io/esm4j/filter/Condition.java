package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;

/** One match value of a pattern leaf other than a plain string, tested against one leaf value of the event. */
sealed interface Condition permits Condition.ExactLong, Condition.ExactBigInteger, Condition.ExactFloat,
        Condition.ExactBoolean, Condition.ExactNull, Condition.EqualsIgnoreCase, Condition.Prefix, Condition.Suffix,
        Condition.Numeric, Condition.Exists, Condition.AnythingBut, Wildcard, Cidr {

    /** @param leaf a string, number, boolean or null node */
    boolean test(JsonNode leaf);

    /**
     * Lambda compares numbers by their JSON text, so 300 and 300.0 differ; after parsing, the closest we can keep is
     * that an integer never equals a decimal.
     */
    record ExactLong(long value) implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            return leaf.isIntegralNumber() && leaf.canConvertToLong() && leaf.longValue() == value;
        }
    }

    /** An integer pattern value beyond the range of long, such as an account number written unquoted. */
    record ExactBigInteger(BigInteger value) implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            return leaf.isIntegralNumber() && leaf.bigIntegerValue().equals(value);
        }
    }

    /** A decimal pattern value such as 300.0 or 3.0e2: matches decimal event values only. */
    record ExactFloat(double value) implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            return leaf.isFloatingPointNumber() && leaf.doubleValue() == value;
        }
    }

    record ExactBoolean(boolean value) implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            return leaf.isBoolean() && leaf.booleanValue() == value;
        }
    }

    /** {@code [null]}: a JSON null, never an absent field and never an empty string. */
    record ExactNull() implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            return leaf.isNull();
        }
    }

    record EqualsIgnoreCase(String value) implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            return leaf.isTextual() && leaf.textValue().equalsIgnoreCase(value);
        }
    }

    record Prefix(String prefix, boolean ignoreCase) implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            return leaf.isTextual() && leaf.textValue().regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
        }
    }

    record Suffix(String suffix, boolean ignoreCase) implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            if (!leaf.isTextual()) {
                return false;
            }
            String text = leaf.textValue();
            int start = text.length() - suffix.length();
            return start >= 0 && text.regionMatches(ignoreCase, start, suffix, 0, suffix.length());
        }
    }

    /**
     * A numeric interval; an open end is an infinite bound. Only JSON numbers qualify, which is why DynamoDB's typed
     * JSON ({@code {"N": "5"}}) never matches: its numbers are strings.
     */
    record Numeric(double lower, boolean lowerInclusive, double upper, boolean upperInclusive) implements Condition {

        static Numeric equalTo(double value) {
            return new Numeric(value, true, value, true);
        }

        @Override
        public boolean test(JsonNode leaf) {
            if (!leaf.isNumber()) {
                return false;
            }
            double value = leaf.doubleValue();
            boolean aboveLower = lowerInclusive ? value >= lower : value > lower;
            return aboveLower && (upperInclusive ? value <= upper : value < upper);
        }
    }

    /**
     * {@code {"exists": true}} holds for any leaf. {@code {"exists": false}} never holds for a leaf; it matches
     * absence, which {@link ValueList} handles because there is no leaf to test then.
     */
    record Exists(boolean present) implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            return present;
        }
    }

    /**
     * Holds for a present leaf that none of the excluded values match. Values of another type are not excluded: a
     * number is "anything but" a string prefix.
     */
    record AnythingBut(ScalarTest excluded) implements Condition {
        @Override
        public boolean test(JsonNode leaf) {
            return !excluded.test(leaf);
        }
    }
}

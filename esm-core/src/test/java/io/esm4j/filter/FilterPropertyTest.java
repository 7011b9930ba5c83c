package io.esm4j.filter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Seeded properties, each checked against an independent oracle or an equivalent formulation. */
class FilterPropertyTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int RUNS = 2_000;

    private final Random random = new Random(0xF11_7E25L);
    private final RandomJson generator = new RandomJson(random, 3);

    @Test
    void severalFiltersMatchWhenAnyOfThemMatchesAndTopLevelOrIsTheSame() {
        int compared = 0;
        for (int i = 0; i < RUNS; i++) {
            ObjectNode first = generator.patternObject(0);
            ObjectNode second = generator.patternObject(0);
            FilterCriteria one = buildOrNull(first.toString());
            FilterCriteria two = buildOrNull(second.toString());
            if (one == null || two == null) {
                continue;
            }
            FilterCriteria both = FilterCriteria.of(List.of(first.toString(), second.toString()));
            ObjectNode orPattern = NODES.objectNode().set("$or", NODES.arrayNode().add(first).add(second));
            FilterCriteria or = buildOrNull(orPattern.toString());
            for (int d = 0; d < 10; d++) {
                FilterDocument document = generator.document();
                boolean expected = one.matches(document) || two.matches(document);
                assertThat(both.matches(document)).as("%s | %s on %s", first, second, document).isEqualTo(expected);
                if (or != null) { // $or adds its own rules, such as no operator names as field names
                    assertThat(or.matches(document)).as("%s on %s", orPattern, document).isEqualTo(expected);
                    compared++;
                }
            }
        }
        assertThat(compared).isGreaterThan(RUNS);
    }

    @Test
    void anythingButIsTheComplementOnAPresentStringLeaf() {
        for (int i = 0; i < RUNS; i++) {
            ArrayNode excluded = NODES.arrayNode();
            int count = 1 + random.nextInt(3);
            for (int j = 0; j < count; j++) {
                excluded.add(generator.pick(RandomJson.STRINGS));
            }
            String prefix = "x" + generator.pick(List.of("", "a", "b"));
            FilterDocument document = leafUnderPK(NODES.textNode(generator.pick(List.of(
                    generator.pick(RandomJson.STRINGS), prefix + "yz", "xa", "b"))));
            assertComplement(excluded.toString(), "{\"anything-but\":" + excluded + "}", document);
            assertComplement("{\"prefix\":\"" + prefix + "\"}", "{\"anything-but\":{\"prefix\":\"" + prefix + "\"}}",
                    document);
            assertComplement("{\"suffix\":\"" + prefix + "\"}", "{\"anything-but\":{\"suffix\":\"" + prefix + "\"}}",
                    document);
        }
    }

    /** Below the top level, an object, an empty array or an absent field is "no leaf": exactly one of the two holds. */
    @Test
    void existsTrueAndFalseAreComplementsBelowTheTopLevel() {
        FilterCriteria exists = FilterCriteria.of(List.of("{\"p\":{\"k\":[{\"exists\":true}]}}"));
        FilterCriteria missing = FilterCriteria.of(List.of("{\"p\":{\"k\":[{\"exists\":false}]}}"));
        for (int i = 0; i < RUNS; i++) {
            ObjectNode inner = generator.object(1);
            if (random.nextBoolean()) {
                inner.set("k", generator.value(2));
            }
            if (inner.has("k") && (inner.get("k").isArray() || inner.get("k").isBinary())) {
                continue; // arrays mix leaves and objects, and binary is no JSON value; both are covered elsewhere
            }
            ObjectNode document = NODES.objectNode();
            if (random.nextInt(5) > 0) {
                document.set("p", inner);
            }
            FilterDocument wrapped = FilterDocument.of(document);
            assertThat(exists.matches(wrapped)).as("%s", document).isNotEqualTo(missing.matches(wrapped));
        }
    }

    @Test
    void numericAgreesWithDoubleComparison() {
        List<String> lowers = List.of(">", ">=");
        List<String> uppers = List.of("<", "<=");
        for (int i = 0; i < RUNS; i++) {
            double low = random.nextInt(41) - 20;
            double high = low + 1 + random.nextInt(20);
            String lowOp = generator.pick(lowers);
            String highOp = generator.pick(uppers);
            FilterCriteria range = FilterCriteria.of(List.of(
                    "{\"n\":[{\"numeric\":[\"" + lowOp + "\"," + low + ",\"" + highOp + "\"," + high + "]}]}"));
            for (int d = 0; d < 10; d++) {
                double value = (random.nextInt(201) - 100) / 4.0;
                boolean expected = (lowOp.equals(">") ? value > low : value >= low)
                        && (highOp.equals("<") ? value < high : value <= high);
                JsonNode number = random.nextBoolean() && value == Math.rint(value)
                        ? NODES.numberNode((long) value) : NODES.numberNode(value);
                assertThat(range.matches(FilterDocument.of(NODES.objectNode().set("n", number))))
                        .as("%s %s %s %s on %s", lowOp, low, highOp, high, number).isEqualTo(expected);
            }
        }
    }

    @Test
    void wildcardAgreesWithAnEquivalentRegex() {
        for (int i = 0; i < RUNS; i++) {
            String wildcard = generator.wildcardText().replace("\\", "").replaceAll("\\*+", "*");
            FilterCriteria criteria = FilterCriteria.of(List.of(
                    "{\"w\":[{\"wildcard\":" + NODES.textNode(wildcard) + "}]}"));
            Pattern regex = Pattern.compile(String.join(".*", quotedParts(wildcard)), Pattern.DOTALL);
            for (int d = 0; d < 10; d++) {
                StringBuilder text = new StringBuilder();
                int length = random.nextInt(8);
                for (int c = 0; c < length; c++) {
                    text.append("ab.*".charAt(random.nextInt(4)));
                }
                assertThat(criteria.matches(FilterDocument.of(NODES.objectNode().put("w", text.toString()))))
                        .as("wildcard %s on %s", wildcard, text)
                        .isEqualTo(regex.matcher(text).matches());
            }
        }
    }

    @Test
    void ipv4CidrAgreesWithIntegerArithmetic() {
        for (int i = 0; i < RUNS; i++) {
            int network = random.nextInt();
            int prefix = random.nextInt(33);
            FilterCriteria criteria = FilterCriteria.of(List.of(
                    "{\"ip\":[{\"cidr\":\"" + dotted(network) + "/" + prefix + "\"}]}"));
            for (int d = 0; d < 10; d++) {
                int address = random.nextBoolean() ? random.nextInt() : network ^ (1 << random.nextInt(32));
                boolean expected = prefix == 0 || (address ^ network) >>> (32 - prefix) == 0;
                assertThat(criteria.matches(FilterDocument.of(NODES.objectNode().put("ip", dotted(address)))))
                        .as("%s/%d on %s", dotted(network), prefix, dotted(address)).isEqualTo(expected);
            }
        }
    }

    @Test
    void everyIpv6TextFormParsesToTheSameBytes() {
        for (int i = 0; i < RUNS; i++) {
            int[] groups = new int[8];
            for (int g = 0; g < 8; g++) {
                groups[g] = random.nextInt(3) == 0 ? 0 : random.nextInt(0x10000);
            }
            byte[] expected = new byte[16];
            for (int g = 0; g < 8; g++) {
                expected[2 * g] = (byte) (groups[g] >> 8);
                expected[2 * g + 1] = (byte) groups[g];
            }
            if (expected[10] == (byte) 0xff && expected[11] == (byte) 0xff && allZero(expected, 10)) {
                continue; // IPv4-mapped addresses parse to their IPv4 form
            }
            for (String form : List.of(fullForm(groups, false), fullForm(groups, true), compressedForm(groups))) {
                assertThat(IpAddress.parse(form)).as(form).isEqualTo(expected);
            }
        }
    }

    private static FilterCriteria buildOrNull(String pattern) {
        try {
            return FilterCriteria.of(List.of(pattern));
        } catch (InvalidFilterPatternException e) {
            return null;
        }
    }

    private static FilterDocument leafUnderPK(JsonNode leaf) {
        return FilterDocument.of(NODES.objectNode().set("p", NODES.objectNode().set("k", leaf)));
    }

    private static void assertComplement(String values, String anythingBut, FilterDocument document) {
        boolean positive = FilterCriteria.of(List.of("{\"p\":{\"k\":" + array(values) + "}}")).matches(document);
        boolean negative = FilterCriteria.of(List.of("{\"p\":{\"k\":[" + anythingBut + "]}}")).matches(document);
        assertThat(positive).as("%s / %s on %s", values, anythingBut, document).isNotEqualTo(negative);
    }

    private static String array(String values) {
        return values.startsWith("[") ? values : "[" + values + "]";
    }

    private static List<String> quotedParts(String wildcard) {
        List<String> parts = new ArrayList<>();
        for (String part : wildcard.split("\\*", -1)) {
            parts.add(Pattern.quote(part));
        }
        return parts;
    }

    private static String dotted(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    private static boolean allZero(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static String fullForm(int[] groups, boolean padded) {
        List<String> parts = new ArrayList<>();
        for (int group : groups) {
            String hex = Integer.toHexString(group);
            parts.add(padded ? HexFormat.of().withUpperCase().toHexDigits((short) group) : hex);
        }
        return String.join(":", parts);
    }

    /** The longest run of zero groups becomes "::", as RFC 5952 writes addresses. */
    private static String compressedForm(int[] groups) {
        int bestStart = -1;
        int bestLength = 0;
        for (int start = 0; start < 8; start++) {
            int length = 0;
            while (start + length < 8 && groups[start + length] == 0) {
                length++;
            }
            if (length > bestLength) {
                bestStart = start;
                bestLength = length;
            }
        }
        if (bestLength < 2) {
            return fullForm(groups, false);
        }
        List<String> head = new ArrayList<>();
        List<String> tail = new ArrayList<>();
        for (int g = 0; g < 8; g++) {
            if (g < bestStart) {
                head.add(Integer.toHexString(groups[g]));
            } else if (g >= bestStart + bestLength) {
                tail.add(Integer.toHexString(groups[g]));
            }
        }
        return String.join(":", head) + "::" + String.join(":", tail);
    }
}

package io.esm4j.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Build-time rejection, with Lambda's message prefix and a reason that names what is wrong. */
class ValidationTest {

    private static final String PREFIX = "Invalid filter pattern definition. ";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {"a":                                                  | Filter 1 is not valid JSON
            {"a":["x"]} trailing                                   | Filter 1 is not valid JSON
            {"a":["x"],}                                           | Filter 1 is not valid JSON
            {"a":[NaN]}                                            | Filter 1 is not valid JSON
            /* comment */ {"a":["x"]}                              | Filter 1 is not valid JSON
            []                                                     | Filter 1 must be a JSON object, not []
            "text"                                                 | Filter 1 must be a JSON object, not "text"
            5                                                      | Filter 1 must be a JSON object, not 5
            null                                                   | Filter 1 must be a JSON object, not null
            {}                                                     | Filter 1: an empty object
            {"a":{}}                                               | field a: an empty object
            {"a":"x"}                                              | field a: must be an object or an array of match values, not "x"
            {"a":5}                                                | field a: must be an object or an array
            {"a":null}                                             | field a: must be an object or an array
            {"a":{"b":true}}                                       | field a.b: must be an object or an array
            {"a":[]}                                               | field a: an empty array
            {"a":[["x"]]}                                          | field a: a match value must be a string, number, boolean, null or an operator object, not ["x"]
            {"a":[{}]}                                             | exactly one operator
            {"a":[{"prefix":"x","suffix":"y"}]}                    | exactly one operator
            {"a":[{"regex":"x"}]}                                  | unknown operator "regex"
            {"a":[{"contains":"x"}]}                               | unknown operator "contains"
            {"a":[{"Prefix":"x"}]}                                 | unknown operator "Prefix"
            {"a":[{"numeric":["!=",5]}]}                           | numeric comparator "!=" is not one of
            {"a":[{"numeric":["==",5]}]}                           | numeric comparator "==" is not one of
            {"a":[{"numeric":[5,">"]}]}                            | numeric comparator 5 is not one of
            {"a":[{"numeric":[">",5,"<"]}]}                        | numeric takes 2 or 4 elements
            {"a":[{"numeric":[">"]}]}                              | numeric takes 2 or 4 elements
            {"a":[{"numeric":[]}]}                                 | numeric takes 2 or 4 elements
            {"a":[{"numeric":[">",5,"<",10,"=",7]}]}               | numeric takes 2 or 4 elements
            {"a":[{"numeric":">5"}]}                               | numeric takes 2 or 4 elements
            {"a":[{"numeric":[">","5"]}]}                          | numeric > takes a finite number, not "5"
            {"a":[{"numeric":["=",null]}]}                         | numeric = takes a finite number, not null
            {"a":[{"numeric":[">",1e400]}]}                        | takes a finite number
            {"a":[{"numeric":[">",10,"<",5]}]}                     | numeric lower bound 10 must be less than upper bound 5
            {"a":[{"numeric":[">=",5,"<=",5]}]}                    | numeric lower bound 5 must be less than upper bound 5
            {"a":[{"numeric":["<",10,">",5]}]}                     | a range is written
            {"a":[{"numeric":["=",5,"<",10]}]}                     | a range is written
            {"a":[{"numeric":[">",5,">",10]}]}                     | a range is written
            {"a":[{"exists":"true"}]}                              | exists takes true or false, not "true"
            {"a":[{"exists":1}]}                                   | exists takes true or false
            {"a":[{"exists":null}]}                                | exists takes true or false
            {"a":[{"equals-ignore-case":["x"]}]}                   | equals-ignore-case takes a string
            {"a":[{"prefix":5}]}                                   | prefix takes a string, not 5
            {"a":[{"suffix":["x"]}]}                               | suffix takes a string
            {"a":[{"prefix":{"equals-ignore-case":5}}]}            | prefix/equals-ignore-case takes a string
            {"a":[{"prefix":{"foo":"x"}}]}                         | prefix takes a string or {"equals-ignore-case": string}
            {"a":[{"suffix":{}}]}                                  | suffix takes a string or {"equals-ignore-case": string}
            {"a":[{"wildcard":"a**b"}]}                            | wildcard "a**b": consecutive '*' characters are not allowed
            {"a":[{"wildcard":5}]}                                 | wildcard takes a string
            {"a":[{"cidr":"10.0.0.0"}]}                            | cidr "10.0.0.0": expected an address, '/' and a prefix length
            {"a":[{"cidr":"10.0.0.0/8/8"}]}                        | expected an address, '/' and a prefix length
            {"a":[{"cidr":"10.0.0.0/33"}]}                         | prefix length '33' is not between 0 and 32
            {"a":[{"cidr":"::1/129"}]}                             | prefix length '129' is not between 0 and 128
            {"a":[{"cidr":"10.0.0.0/-1"}]}                         | prefix length '-1'
            {"a":[{"cidr":"10.0.0.0/"}]}                           | prefix length ''
            {"a":[{"cidr":"10.0.0/8"}]}                            | '10.0.0' is not an IPv4 or IPv6 address
            {"a":[{"cidr":"host.example.com/8"}]}                  | is not an IPv4 or IPv6 address
            {"a":[{"cidr":5}]}                                     | cidr takes a string
            {"a":[{"cidr":"١::/64"}]}                              | cidr "١::/64": '١::' is not an IPv4 or IPv6 address
            {"a":[{"cidr":"2001:db8::١/128"}]}                     | '2001:db8::١' is not an IPv4 or IPv6 address
            {"a":[{"cidr":"１::/64"}]}                              | '１::' is not an IPv4 or IPv6 address
            {"a":[{"cidr":"ａ::/64"}]}                              | 'ａ::' is not an IPv4 or IPv6 address
            {"a":[{"cidr":"١.0.0.0/8"}]}                           | '١.0.0.0' is not an IPv4 or IPv6 address
            {"a":[{"cidr":"10.0.0.0/٨"}]}                          | prefix length '٨' is not between 0 and 32
            {"a":[{"anything-but":{"anything-but":"x"}}]}          | anything-but takes one of prefix, suffix, equals-ignore-case or wildcard
            {"a":[{"anything-but":{"numeric":[">",1]}}]}           | anything-but takes one of prefix
            {"a":[{"anything-but":{"exists":false}}]}              | anything-but takes one of prefix
            {"a":[{"anything-but":{}}]}                            | anything-but takes exactly one of
            {"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}   | anything-but takes exactly one of
            {"a":[{"anything-but":{"prefix":""}}]}                 | anything-but/prefix takes non-empty strings
            {"a":[{"anything-but":{"suffix":["x",""]}}]}           | anything-but/suffix takes non-empty strings
            {"a":[{"anything-but":{"prefix":5}}]}                  | anything-but/prefix takes a string or a non-empty list of strings
            {"a":[{"anything-but":{"prefix":[]}}]}                 | anything-but/prefix takes a string or a non-empty list of strings
            {"a":[{"anything-but":{"prefix":[5]}}]}                | anything-but/prefix takes a string, not 5
            {"a":[{"anything-but":{"wildcard":"a**"}}]}            | consecutive '*'
            {"a":[{"anything-but":[]}]}                            | anything-but takes a non-empty list
            {"a":[{"anything-but":["x",1]}]}                       | only strings or only numbers
            {"a":[{"anything-but":[1,"x"]}]}                       | only strings or only numbers
            {"a":[{"anything-but":[null]}]}                        | only strings or only numbers
            {"a":[{"anything-but":[["x"]]}]}                       | only strings or only numbers
            {"a":[{"anything-but":null}]}                          | anything-but takes a string, a number
            {"a":[{"anything-but":true}]}                          | anything-but takes a string, a number
            {"a":[{"anything-but":1e400}]}                         | anything-but takes a finite number
            {"a":[1e400]}                                          | match value takes a finite number
            {"$or":[{"a":["x"]}]}                                  | field $or: $or must be an array of at least 2 objects
            {"$or":[]}                                             | $or must be an array of at least 2 objects, not []
            {"$or":{"a":["x"]}}                                    | $or must be an array of at least 2 objects
            {"$or":"x"}                                            | $or must be an array of at least 2 objects
            {"$or":[{"a":["x"]},"b"]}                              | field $or[1]: each $or branch must be an object, not "b"
            {"$or":[{"a":["x"]},{}]}                               | field $or[1]: an empty object
            {"$or":[{"prefix":["x"]},{"b":["y"]}]}                 | field $or[0].prefix: the operator name "prefix" cannot be used as a field name inside $or
            {"$or":[{"a":{"numeric":["x"]}},{"b":["y"]}]}          | field $or[0].a.numeric: the operator name "numeric"
            {"d":{"$or":[{"a":[{"numeric":["<>",1]}]},{"b":["y"]}]}} | field d.$or[0].a: numeric comparator "<>"
            """)
    void rejected(String pattern, String reason) {
        assertThatThrownBy(() -> FilterCriteria.of(List.of(pattern)))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessageStartingWith(PREFIX)
                .hasMessageContaining(reason);
    }

    @Test
    void rejectedWildcardEscapes() {
        // JSON "a\\b" is the wildcard a\b, and "a\\" the wildcard a\ : a backslash may only escape '*' or '\'.
        assertThatThrownBy(() -> FilterCriteria.of(List.of("{\"a\":[{\"wildcard\":\"a\\\\b\"}]}")))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessage(PREFIX + "Filter 1, field a: wildcard \"a\\b\": '\\' may only escape '*' or '\\', not 'b'.");
        assertThatThrownBy(() -> FilterCriteria.of(List.of("{\"a\":[{\"wildcard\":\"a\\\\\"}]}")))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessageContaining("a trailing '\\' escapes nothing");
    }

    @Test
    void rejectedSingleQuotes() {
        assertThatThrownBy(() -> FilterCriteria.of(List.of("{'a':['x']}")))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessageStartingWith(PREFIX + "Filter 1 is not valid JSON");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\n"})
    void rejectedBlank(String pattern) {
        assertThatThrownBy(() -> FilterCriteria.of(List.of(pattern)))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessage(PREFIX + "Filter 1 must be a JSON object, not empty text.");
    }

    @Test
    void aWholeMessage() {
        assertThatThrownBy(() -> FilterCriteria.of(List.of("{\"data\":{\"price\":[{\"numeric\":[\"!=\",5]}]}}")))
                .hasMessage(PREFIX + "Filter 1, field data.price: numeric comparator \"!=\" is not one of "
                        + "\"<\", \"<=\", \"=\", \">\", \">=\".");
    }

    @Test
    void namesTheFilterThatIsWrong() {
        assertThatThrownBy(() -> FilterCriteria.of(List.of("{\"a\":[\"x\"]}", "{\"a\":[{\"exists\":\"no\"}]}")))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessage(PREFIX + "Filter 2, field a: exists takes true or false, not \"no\".");
    }

    @Test
    void aNullPatternIsInvalid() {
        assertThatThrownBy(() -> FilterCriteria.of(Arrays.asList("{\"a\":[\"x\"]}", null)))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessage(PREFIX + "Filter 2 is null.");
    }

    @Test
    void longValuesAreShortenedInMessages() {
        String longValue = "x".repeat(500);
        assertThatThrownBy(() -> FilterCriteria.of(List.of("{\"a\":\"" + longValue + "\"}")))
                .hasMessageContaining("...")
                .hasMessageNotContaining(longValue);
    }

    @Test
    void atMostFiveFiltersByDefault() {
        assertThat(FilterCriteria.of(patterns(5)).patterns()).hasSize(5);
        assertThatThrownBy(() -> FilterCriteria.of(patterns(6)))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessage(PREFIX + "6 filters were given but at most 5 are allowed.");
    }

    @Test
    void theQuotaCanBeRaisedToTen() {
        assertThat(FilterCriteria.of(patterns(10), 10).patterns()).hasSize(10);
        assertThatThrownBy(() -> FilterCriteria.of(patterns(8), 7))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessage(PREFIX + "8 filters were given but at most 7 are allowed.");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 11, Integer.MAX_VALUE})
    void maxFiltersOutsideTheQuotaRange(int maxFilters) {
        assertThatThrownBy(() -> FilterCriteria.of(patterns(1), maxFilters))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFilters")
                .hasMessageContaining(String.valueOf(maxFilters));
    }

    @Test
    void patternLengthLimit() {
        String prefix = "{\"a\":[\"";
        String suffix = "\"]}";
        String longest = prefix + "x".repeat(FilterCriteria.MAX_PATTERN_LENGTH - prefix.length() - suffix.length())
                + suffix;
        assertThat(longest).hasSize(4096);
        assertThat(FilterCriteria.of(List.of(longest)).patterns()).containsExactly(longest);
        String tooLong = prefix + "x" + longest.substring(prefix.length());
        assertThatThrownBy(() -> FilterCriteria.of(List.of(tooLong)))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessage(PREFIX + "Filter 1 is 4097 characters long; the maximum is 4096.");
    }

    @Test
    void orCombinationLimit() {
        assertThat(FilterCriteria.of(List.of(orsOfWidth(10, 3))).isEmpty()).isFalse();
        assertThatThrownBy(() -> FilterCriteria.of(List.of(orsOfWidth(11, 3))))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessage(PREFIX + "Filter 1: its $or arrays multiply out to more than 1000 combinations.");
        assertThatThrownBy(() -> FilterCriteria.of(List.of(orsOfWidth(2, 60))))
                .isInstanceOf(InvalidFilterPatternException.class)
                .hasMessageContaining("1000 combinations");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"a\":[{\"prefix\":\"\"}]}",
        "{\"a\":[{\"suffix\":\"\"}]}",
        "{\"a\":[{\"wildcard\":\"\"}]}",
        "{\"a\":[{\"equals-ignore-case\":\"\"}]}",
        "{\"\":[\"x\"]}",
        "{\"numeric\":[\"x\"],\"prefix\":{\"exists\":[\"y\"]}}",
        "{\"a\":[{\"exists\":true},{\"exists\":false}]}",
        "{\"a\":[\"x\",\"x\",1,1.0,true,false,null,\"\"]}",
        "{\"a\":[{\"anything-but\":{\"equals-ignore-case\":[\"x\",\"y\"]}}]}",
        "{\"a\":[{\"anything-but\":{\"wildcard\":[\"*x\",\"y*\"]}}]}",
        "{\"a\":[{\"anything-but\":1.5}]}",
        "{\"a\":[{\"cidr\":\"::/0\"}]}",
        "{\"a\":[{\"cidr\":\"255.255.255.255/32\"}]}",
        "{\"a\":[{\"numeric\":[\"<=\",-5e9]},{\"numeric\":[\">=\",0,\"<\",1e-9]}]}",
        "{\"a\":[12345678901234567890123456789]}",
        "{\"$or\":[{\"$or\":[{\"a\":[\"1\"]},{\"b\":[\"2\"]}]},{\"c\":[\"3\"]}]}",
        "{\"$or\":[{\"a\":[\"1\"]},{\"a\":[\"1\"]}],\"$or\":[{\"b\":[\"1\"]},{\"c\":[\"1\"]}]}",
        " \n{\"a\" : [ \"x\" ] }\t",
    })
    void accepted(String pattern) {
        assertThat(FilterCriteria.of(List.of(pattern)).patterns()).containsExactly(pattern);
    }

    @Test
    void deepNestingWithinTheLengthLimit() {
        int depth = 500;
        String pattern = "{\"a\":".repeat(depth) + "[\"x\"]" + "}".repeat(depth);
        String event = "{\"a\":".repeat(depth) + "\"x\"" + "}".repeat(depth);
        assertThat(FilterCriteria.of(List.of(pattern)).matches(Fixtures.doc(event))).isTrue();
    }

    private static List<String> patterns(int count) {
        return IntStream.range(0, count).mapToObj(i -> "{\"k" + i + "\":[\"v\"]}").collect(Collectors.toList());
    }

    /** {@code count} nested objects, each holding an $or of {@code width} branches: width^count combinations. */
    private static String orsOfWidth(int width, int count) {
        List<String> branches = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            branches.add("{\"b" + i + "\":[\"v\"]}");
        }
        String or = "{\"$or\":[" + String.join(",", branches) + "]}";
        List<String> fields = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fields.add("\"f" + i + "\":" + or);
        }
        return "{" + String.join(",", fields) + "}";
    }
}

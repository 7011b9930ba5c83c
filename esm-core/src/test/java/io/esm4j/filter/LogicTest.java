package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.doc;
import static io.esm4j.filter.Fixtures.matches;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** AND across fields, OR across filters and $or, arrays of objects, and the top-level data-format rule. */
class LogicTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # AND: every field named in the pattern must match
            {"Location":["New York"],"Day":["Monday"]}                    | {"Location":"New York","Day":"Monday"}   | true
            {"Location":["New York"],"Day":["Monday"]}                    | {"Location":"New York","Day":"Tuesday"}  | false
            {"Location":["New York"],"Day":["Monday"]}                    | {"Location":"New York"}                  | false
            {"a":{"b":["1"],"c":["2"]}}                                   | {"a":{"b":"1","c":"2","d":"3"}}          | true
            {"a":{"b":["1"],"c":["2"]}}                                   | {"a":{"b":"1"}}                          | false
            # $or across fields
            {"$or":[{"Location":["New York"]},{"Day":["Monday"]}]}         | {"Location":"Boston","Day":"Monday"}     | true
            {"$or":[{"Location":["New York"]},{"Day":["Monday"]}]}         | {"Location":"New York"}                  | true
            {"$or":[{"Location":["New York"]},{"Day":["Monday"]}]}         | {"Location":"Boston","Day":"Friday"}     | false
            # $or ANDed with its siblings
            {"s":["cw"],"$or":[{"m":["cpu"]},{"n":["ec2"]}]}               | {"s":"cw","n":"ec2"}                     | true
            {"s":["cw"],"$or":[{"m":["cpu"]},{"n":["ec2"]}]}               | {"s":"other","n":"ec2"}                  | false
            # $or inside a nested object sees that object
            {"d":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"x":[3.018e2]}]}} | {"d":{"c":3}}                       | true
            {"d":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"x":[3.018e2]}]}} | {"d":{"x":301.8}}                   | true
            {"d":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"x":[3.018e2]}]}} | {"d":{"c":6},"x":301.8}             | false
            # parallel $or at two levels
            {"$or":[{"m":["a"]},{"n":["b"]}],"d":{"$or":[{"s":["c"]},{"t":["d"]}]}} | {"n":"b","d":{"t":"d"}}     | true
            {"$or":[{"m":["a"]},{"n":["b"]}],"d":{"$or":[{"s":["c"]},{"t":["d"]}]}} | {"n":"b","d":{"u":"d"}}     | false
            # nested $or and AND inside a branch
            {"s":["cw"],"$or":[{"m":["cpu"]},{"t":["T"],"n":["ec2"],"$or":[{"i":[1234]},{"j":[1000]}]}]} | {"s":"cw","t":"T","n":"ec2","j":1000} | true
            {"s":["cw"],"$or":[{"m":["cpu"]},{"t":["T"],"n":["ec2"],"$or":[{"i":[1234]},{"j":[1000]}]}]} | {"s":"cw","t":"T","n":"ec2","j":1}    | false
            {"s":["cw"],"$or":[{"m":["cpu"]},{"t":["T"],"n":["ec2"],"$or":[{"i":[1234]},{"j":[1000]}]}]} | {"s":"cw","t":"T","i":1234}           | false
            # arrays of objects: one element must match the whole sub-pattern
            {"e":{"first":["Anna"]}}                                      | {"e":[{"first":"John"},{"first":"Anna"}]}                          | true
            {"e":{"first":["Anna"],"last":["Smith"]}}                     | {"e":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Smith"}]} | true
            {"e":{"first":["Anna"],"last":["Jones"]}}                     | {"e":[{"first":"Anna","last":"Smith"},{"first":"Peter","last":"Jones"}]} | false
            {"e":{"first":["Peter"]}}                                     | {"e":[[{"first":"John"}],[{"first":"Peter"}]]}                     | true
            {"e":{"x":{"y":["1"]}}}                                       | {"e":[{"x":[{"y":"2"},{"y":"1"}]}]}                                | true
            {"e":{"first":["Anna"]}}                                      | {"e":["Anna"]}                                                     | false
            {"e":{"first":[{"exists":false}]}}                            | {"e":["Anna"]}                                                     | true
            # duplicate keys: the last one wins
            {"a":["x"],"a":["y"]}                                         | {"a":"x"}                                | false
            {"a":["x"],"a":["y"]}                                         | {"a":"y"}                                | true
            {"a":{"b":["1"]},"a":{"c":["2"]}}                             | {"a":{"c":"2"}}                          | true
            # top-level data-format rule: JSON pattern vs plain value, plain pattern vs JSON object
            {"body":{"k":[{"exists":false}]}}                             | {"body":"plain text"}                    | false
            {"body":{"k":[{"exists":false}]}}                             | {"body":5}                               | false
            {"body":{"k":[{"exists":false}]}}                             | {"body":{"j":1}}                         | true
            {"body":[{"exists":false}]}                                   | {"body":{"j":1}}                         | false
            {"body":[{"anything-but":"x"}]}                               | {"body":{"j":1}}                         | false
            {"body":["a"]}                                                | {"body":["a","b"]}                       | true
            {"body":["a"]}                                                | {"body":[{"a":1}]}                       | false
            """)
    void logic(String pattern, String event, boolean expected) {
        assertThat(matches(pattern, event)).isEqualTo(expected);
    }

    @Test
    void filtersAreOred() {
        FilterCriteria criteria = FilterCriteria.of(List.of("{\"a\":[\"1\"]}", "{\"b\":[\"2\"]}"));
        assertThat(criteria.matches(doc("{\"a\":\"1\"}"))).isTrue();
        assertThat(criteria.matches(doc("{\"b\":\"2\"}"))).isTrue();
        assertThat(criteria.matches(doc("{\"a\":\"2\",\"b\":\"1\"}"))).isFalse();
    }

    @Test
    void topLevelOrIsTheSameAsSeparateFilters() {
        String first = "{\"body\":{\"k\":[{\"exists\":false}]}}";
        String second = "{\"body\":[\"plain\"]}";
        FilterCriteria or = FilterCriteria.of(List.of("{\"$or\":[" + first + "," + second + "]}"));
        FilterCriteria separate = FilterCriteria.of(List.of(first, second));
        for (String event : List.of("{\"body\":\"plain\"}", "{\"body\":\"other\"}", "{\"body\":{\"j\":1}}",
                "{\"body\":{\"k\":1}}", "{}", "{\"body\":[\"plain\"]}")) {
            assertThat(or.matches(doc(event))).as(event).isEqualTo(separate.matches(doc(event)));
        }
    }

    @Test
    void aDocumentThatIsNotAnObjectHasNoFields() {
        FilterCriteria absent = FilterCriteria.of(List.of("{\"a\":[{\"exists\":false}]}"));
        FilterCriteria present = FilterCriteria.of(List.of("{\"a\":[{\"exists\":true}]}"));
        for (String document : List.of("[1,2]", "\"a\"", "5", "null", "true")) {
            assertThat(absent.matches(doc(document))).as(document).isTrue();
            assertThat(present.matches(doc(document))).as(document).isFalse();
        }
    }
}

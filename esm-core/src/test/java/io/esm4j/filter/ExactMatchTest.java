package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.matches;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Plain match values: strings, numbers, booleans, null and the empty string, alone or as an OR list. */
class ExactMatchTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # strings: exact characters, no case folding, no trimming
            {"a":["x"]}                   | {"a":"x"}                  | true
            {"a":["x"]}                   | {"a":"X"}                  | false
            {"a":["x"]}                   | {"a":"x "}                 | false
            {"a":["x"]}                   | {"b":"x"}                  | false
            {"a":["x"]}                   | {}                         | false
            {"a":["\\u00e9"]}             | {"a":"e\\u0301"}           | false
            {"a":["\\u00e9"]}             | {"a":"\\u00e9"}            | true
            # several values are ORed
            {"a":["x","y"]}               | {"a":"y"}                  | true
            {"a":["x","y"]}               | {"a":"z"}                  | false
            # empty string and null are different things, and neither is an absent field
            {"a":[""]}                    | {"a":""}                   | true
            {"a":[""]}                    | {"a":null}                 | false
            {"a":[""]}                    | {}                         | false
            {"a":[null]}                  | {"a":null}                 | true
            {"a":[null]}                  | {}                         | false
            {"a":[null]}                  | {"a":""}                   | false
            {"a":[null]}                  | {"a":"null"}               | false
            {"a":["null"]}                | {"a":null}                 | false
            # numbers compare by representation: an integer never equals a decimal
            {"a":[300]}                   | {"a":300}                  | true
            {"a":[300]}                   | {"a":300.0}                | false
            {"a":[300.0]}                 | {"a":300}                  | false
            {"a":[300.0]}                 | {"a":300.0}                | true
            {"a":[-1.5]}                  | {"a":-1.5}                 | true
            {"a":[300]}                   | {"a":"300"}                | false
            {"a":["300"]}                 | {"a":300}                  | false
            {"a":[12345678901234567890]}  | {"a":12345678901234567890} | true
            {"a":[12345678901234567890]}  | {"a":12345678901234567891} | false
            {"a":[12345678901234567890]}  | {"a":1.2345678901234567e19}| false
            # booleans
            {"a":[true]}                  | {"a":true}                 | true
            {"a":[true]}                  | {"a":false}                | false
            {"a":[true]}                  | {"a":"true"}               | false
            {"a":[false]}                 | {"a":false}                | true
            {"a":["x",1,true,null]}       | {"a":true}                 | true
            # an event array matches if any element matches, at any array depth
            {"a":["x"]}                   | {"a":["y","x"]}            | true
            {"a":["x"]}                   | {"a":["y","z"]}            | false
            {"a":["x"]}                   | {"a":[["y"],["x"]]}        | true
            {"a":["x"]}                   | {"a":[]}                   | false
            {"a":[null]}                  | {"a":[1,null]}             | true
            {"a":[1]}                     | {"a":[{"b":1},1]}          | true
            # a value list does not see inside objects
            {"a":["x"]}                   | {"a":{"b":"x"}}            | false
            # nested objects descend into the event
            {"a":{"b":["x"]}}             | {"a":{"b":"x"}}            | true
            {"a":{"b":["x"]}}             | {"a":{"b":"y"}}            | false
            {"a":{"b":["x"]}}             | {"a":{"c":"x"}}            | false
            {"a":{"b":["x"]}}             | {"a":"x"}                  | false
            {"a":{"b":{"c":["x"]}}}       | {"a":{"b":{"c":"x","d":1}},"e":2} | true
            """)
    void exactValues(String pattern, String event, boolean expected) {
        assertThat(matches(pattern, event)).isEqualTo(expected);
    }
}

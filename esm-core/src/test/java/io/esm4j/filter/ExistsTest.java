package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.matches;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * exists: presence of a leaf. Nested, an object or an array without leaves counts as absent (EventBridge's leaf-only
 * rule); at the top level, an object under a value list is Lambda's format mismatch, which matches nothing.
 */
class ExistsTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"a":[{"exists":true}]}          | {"a":"x"}              | true
            {"a":[{"exists":true}]}          | {"a":null}             | true
            {"a":[{"exists":true}]}          | {"a":""}               | true
            {"a":[{"exists":true}]}          | {"a":0}                | true
            {"a":[{"exists":true}]}          | {"a":false}            | true
            {"a":[{"exists":true}]}          | {"a":[1]}              | true
            {"a":[{"exists":true}]}          | {}                     | false
            {"a":[{"exists":true}]}          | {"a":[]}               | false
            {"a":[{"exists":true}]}          | {"a":{"b":1}}          | false
            {"a":[{"exists":true}]}          | {"a":[{"b":1}]}        | false
            {"a":[{"exists":false}]}         | {}                     | true
            {"a":[{"exists":false}]}         | {"b":1}                | true
            {"a":[{"exists":false}]}         | {"a":"x"}              | false
            {"a":[{"exists":false}]}         | {"a":null}             | false
            {"a":[{"exists":false}]}         | {"a":[1]}              | false
            {"a":[{"exists":false}]}         | {"a":{"b":1}}          | false
            {"a":[{"exists":false}]}         | {"a":[]}               | false
            {"p":{"a":[{"exists":false}]}}   | {"p":{}}               | true
            {"p":{"a":[{"exists":false}]}}   | {"p":{"a":1}}          | false
            {"p":{"a":[{"exists":false}]}}   | {"p":{"a":{"b":1}}}    | true
            {"p":{"a":[{"exists":false}]}}   | {"p":{"a":[]}}         | true
            {"p":{"a":[{"exists":false}]}}   | {"p":{"a":[{"b":1}]}}  | true
            {"p":{"a":[{"exists":false}]}}   | {}                     | true
            {"p":{"a":[{"exists":false}]}}   | {"p":"plain"}          | false
            {"p":{"q":{"a":[{"exists":false}]}}} | {"p":{"q":"leaf"}} | true
            {"p":{"a":[{"exists":true}]}}    | {"p":{"a":{"b":1}}}    | false
            {"p":{"a":[{"exists":true}]}}    | {"p":{"a":1}}          | true
            {"p":{"a":[{"exists":true}]}}    | {"p":[{"x":1},{"a":2}]}| true
            {"a":[{"exists":true},{"exists":false}]} | {}             | true
            {"a":[{"exists":true},{"exists":false}]} | {"a":1}        | true
            {"a":["x",{"exists":false}]}     | {"a":"x"}              | true
            {"a":["x",{"exists":false}]}     | {"a":"y"}              | false
            {"a":["x",{"exists":false}]}     | {}                     | true
            """)
    void exists(String pattern, String event, boolean expected) {
        assertThat(matches(pattern, event)).isEqualTo(expected);
    }
}

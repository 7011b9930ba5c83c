package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.matches;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** anything-but: a present leaf value that none of the excluded values match. */
class AnythingButTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"a":[{"anything-but":["Raining"]}]}                          | {"a":"Sunny"}                  | true
            {"a":[{"anything-but":["Raining"]}]}                          | {"a":"Raining"}                | false
            {"a":[{"anything-but":["Raining"]}]}                          | {"a":"raining"}                | true
            # the field must be there, and be a leaf
            {"a":[{"anything-but":["Raining"]}]}                          | {}                             | false
            {"a":[{"anything-but":["Raining"]}]}                          | {"a":{"b":"x"}}                | false
            {"a":[{"anything-but":["Raining"]}]}                          | {"a":[]}                       | false
            # other types are not excluded by a string
            {"a":[{"anything-but":["Raining"]}]}                          | {"a":null}                     | true
            {"a":[{"anything-but":["Raining"]}]}                          | {"a":5}                        | true
            # arrays: any element that is not excluded
            {"a":[{"anything-but":["Raining"]}]}                          | {"a":["Raining","Sunny"]}      | true
            {"a":[{"anything-but":["Raining"]}]}                          | {"a":["Raining"]}              | false
            {"a":[{"anything-but":"initializing"}]}                       | {"a":"initializing"}           | false
            {"a":[{"anything-but":"initializing"}]}                       | {"a":"running"}                | true
            {"a":[{"anything-but":["stopped","overloaded"]}]}             | {"a":"overloaded"}             | false
            {"a":[{"anything-but":["stopped","overloaded"]}]}             | {"a":"running"}                | true
            # numbers are excluded by value, as EventBridge does for anything-but
            {"a":[{"anything-but":[100,200,300]}]}                        | {"a":200}                      | false
            {"a":[{"anything-but":[100,200,300]}]}                        | {"a":200.0}                    | false
            {"a":[{"anything-but":[100,200,300]}]}                        | {"a":150}                      | true
            {"a":[{"anything-but":[100,200,300]}]}                        | {"a":"200"}                    | true
            {"a":[{"anything-but":123}]}                                  | {"a":123}                      | false
            {"a":[{"anything-but":123}]}                                  | {"a":124}                      | true
            {"a":[{"anything-but":{"prefix":"init"}}]}                    | {"a":"initializing"}           | false
            {"a":[{"anything-but":{"prefix":"init"}}]}                    | {"a":"running"}                | true
            {"a":[{"anything-but":{"prefix":"init"}}]}                    | {"a":5}                        | true
            {"a":[{"anything-but":{"prefix":["init","stop"]}}]}           | {"a":"stopped"}                | false
            {"a":[{"anything-but":{"prefix":["init","stop"]}}]}           | {"a":"running"}                | true
            {"a":[{"anything-but":{"suffix":".txt"}}]}                    | {"a":"a.txt"}                  | false
            {"a":[{"anything-but":{"suffix":".txt"}}]}                    | {"a":"a.rtf"}                  | true
            {"a":[{"anything-but":{"suffix":[".txt",".rtf"]}}]}           | {"a":"a.rtf"}                  | false
            {"a":[{"anything-but":{"suffix":[".txt",".rtf"]}}]}           | {"a":"a.doc"}                  | true
            {"a":[{"anything-but":{"equals-ignore-case":"initializing"}}]}| {"a":"INITIALIZING"}           | false
            {"a":[{"anything-but":{"equals-ignore-case":"initializing"}}]}| {"a":"running"}                | true
            {"a":[{"anything-but":{"equals-ignore-case":["a","b"]}}]}     | {"a":"B"}                      | false
            {"a":[{"anything-but":{"equals-ignore-case":["a","b"]}}]}     | {"a":"c"}                      | true
            {"a":[{"anything-but":{"wildcard":"*/lib/*"}}]}               | {"a":"/usr/lib/x"}             | false
            {"a":[{"anything-but":{"wildcard":"*/lib/*"}}]}               | {"a":"/usr/bin/x"}             | true
            {"a":[{"anything-but":{"wildcard":["*/lib/*","*/bin/*"]}}]}   | {"a":"/usr/bin/x"}             | false
            {"a":[{"anything-but":{"wildcard":["*/lib/*","*/bin/*"]}}]}   | {"a":"/usr/sbin"}              | true
            # anything-but is one value of the list; the others still OR in
            {"a":["x",{"anything-but":"y"}]}                              | {"a":"x"}                      | true
            {"a":["y",{"anything-but":"y"}]}                              | {"a":"y"}                      | true
            {"a":["z",{"anything-but":"y"}]}                              | {"a":"y"}                      | false
            """)
    void anythingBut(String pattern, String event, boolean expected) {
        assertThat(matches(pattern, event)).isEqualTo(expected);
    }
}

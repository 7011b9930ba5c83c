package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.matches;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** equals-ignore-case, prefix, suffix (with their ignore-case forms) and wildcard: string values only. */
class StringOperatorTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"a":[{"equals-ignore-case":"alice"}]}                  | {"a":"ALICE"}            | true
            {"a":[{"equals-ignore-case":"alice"}]}                  | {"a":"Alice"}            | true
            {"a":[{"equals-ignore-case":"alice"}]}                  | {"a":"alicia"}           | false
            {"a":[{"equals-ignore-case":"alice"}]}                  | {"a":["bob","aLIce"]}    | true
            {"a":[{"equals-ignore-case":"alice"}]}                  | {}                       | false
            {"a":[{"equals-ignore-case":"5"}]}                      | {"a":5}                  | false
            {"a":[{"equals-ignore-case":""}]}                       | {"a":""}                 | true
            {"a":[{"prefix":"us-"}]}                                | {"a":"us-east-1"}        | true
            {"a":[{"prefix":"us-"}]}                                | {"a":"us-"}              | true
            {"a":[{"prefix":"us-"}]}                                | {"a":"US-east-1"}        | false
            {"a":[{"prefix":"us-"}]}                                | {"a":"eu-west-1"}        | false
            {"a":[{"prefix":"us-"}]}                                | {"a":"us"}               | false
            {"a":[{"prefix":"us-"}]}                                | {"a":null}               | false
            {"a":[{"prefix":"us-"}]}                                | {"a":["eu-1","us-2"]}    | true
            {"a":[{"prefix":"1"}]}                                  | {"a":123}                | false
            {"a":[{"prefix":""}]}                                   | {"a":""}                 | true
            {"a":[{"prefix":""}]}                                   | {"a":5}                  | false
            {"a":[{"prefix":{"equals-ignore-case":"EventB"}}]}      | {"a":"eventbridge"}      | true
            {"a":[{"prefix":{"equals-ignore-case":"EventB"}}]}      | {"a":"EVENTBUS"}         | true
            {"a":[{"prefix":{"equals-ignore-case":"EventB"}}]}      | {"a":"event"}            | false
            {"a":[{"suffix":".png"}]}                               | {"a":"cat.png"}          | true
            {"a":[{"suffix":".png"}]}                               | {"a":".png"}             | true
            {"a":[{"suffix":".png"}]}                               | {"a":"cat.PNG"}          | false
            {"a":[{"suffix":".png"}]}                               | {"a":"png"}              | false
            {"a":[{"suffix":".png"}]}                               | {"a":"cat.png.gz"}       | false
            {"a":[{"suffix":{"equals-ignore-case":".png"}}]}        | {"a":"cat.PNG"}          | true
            {"a":[{"suffix":{"equals-ignore-case":".png"}}]}        | {"a":"cat.jpg"}          | false
            {"a":[{"suffix":{"equals-ignore-case":"tBridge"}}]}     | {"a":"EventBRIDGE"}      | true
            {"a":[{"wildcard":"*.png"}]}                            | {"a":"a.png"}            | true
            {"a":[{"wildcard":"*.png"}]}                            | {"a":".png"}             | true
            {"a":[{"wildcard":"*.png"}]}                            | {"a":"a.png.gz"}         | false
            {"a":[{"wildcard":"dir/*.png"}]}                        | {"a":"dir/cat.png"}      | true
            {"a":[{"wildcard":"dir/*.png"}]}                        | {"a":"dir/sub/cat.png"}  | true
            {"a":[{"wildcard":"dir/*.png"}]}                        | {"a":"dir/cat.jpg"}      | false
            {"a":[{"wildcard":"dir/*.png"}]}                        | {"a":"x/dir/cat.png"}    | false
            {"a":[{"wildcard":"*"}]}                                | {"a":""}                 | true
            {"a":[{"wildcard":"*"}]}                                | {"a":"anything"}         | true
            {"a":[{"wildcard":"*"}]}                                | {"a":5}                  | false
            {"a":[{"wildcard":"*"}]}                                | {}                       | false
            {"a":[{"wildcard":"a*b*c"}]}                            | {"a":"abc"}              | true
            {"a":[{"wildcard":"a*b*c"}]}                            | {"a":"aXbYc"}            | true
            {"a":[{"wildcard":"a*b*c"}]}                            | {"a":"abcbc"}            | true
            {"a":[{"wildcard":"a*b*c"}]}                            | {"a":"acb"}              | false
            {"a":[{"wildcard":"a*b*c"}]}                            | {"a":"ab"}               | false
            {"a":[{"wildcard":"*ab*ab"}]}                           | {"a":"abab"}             | true
            {"a":[{"wildcard":"*ab*ab"}]}                           | {"a":"ab"}               | false
            {"a":[{"wildcard":"a*a"}]}                              | {"a":"a"}                | false
            {"a":[{"wildcard":"a*a"}]}                              | {"a":"aa"}               | true
            {"a":[{"wildcard":"no-star"}]}                          | {"a":"no-star"}          | true
            {"a":[{"wildcard":"no-star"}]}                          | {"a":"no-stars"}         | false
            {"a":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]} | {"a":"arn:aws:events:us-east-1:123456789012:event-bus/default"} | true
            """)
    void stringOperators(String pattern, String event, boolean expected) {
        assertThat(matches(pattern, event)).isEqualTo(expected);
    }

    @Test
    void escapedStarIsLiteral() {
        // JSON "a\\*b" is the wildcard a\*b: a literal star between a and b
        String pattern = "{\"a\":[{\"wildcard\":\"a\\\\*b\"}]}";
        assertThat(matches(pattern, "{\"a\":\"a*b\"}")).isTrue();
        assertThat(matches(pattern, "{\"a\":\"axb\"}")).isFalse();
    }

    @Test
    void escapedBackslashIsLiteral() {
        // JSON "c:\\\\*" is the wildcard c:\\* : a literal backslash, then any run
        String pattern = "{\"a\":[{\"wildcard\":\"c:\\\\\\\\*\"}]}";
        assertThat(matches(pattern, "{\"a\":\"c:\\\\temp\"}")).isTrue();
        assertThat(matches(pattern, "{\"a\":\"c:/temp\"}")).isFalse();
    }

    @Test
    void escapedStarNextToWildcardStar() {
        // a\** : "a", a literal star, then any run
        String pattern = "{\"a\":[{\"wildcard\":\"a\\\\**\"}]}";
        assertThat(matches(pattern, "{\"a\":\"a*\"}")).isTrue();
        assertThat(matches(pattern, "{\"a\":\"a*xyz\"}")).isTrue();
        assertThat(matches(pattern, "{\"a\":\"axyz\"}")).isFalse();
    }
}

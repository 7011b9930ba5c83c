package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.matches;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** numeric: JSON numbers compared by value; strings that look like numbers never match. */
class NumericTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"a":[{"numeric":["=",100]}]}              | {"a":100}              | true
            {"a":[{"numeric":["=",100]}]}              | {"a":100.0}            | true
            {"a":[{"numeric":["=",100]}]}              | {"a":1e2}              | true
            {"a":[{"numeric":["=",100]}]}              | {"a":101}              | false
            {"a":[{"numeric":["=",100]}]}              | {"a":"100"}            | false
            {"a":[{"numeric":["=",100]}]}              | {"a":null}             | false
            {"a":[{"numeric":["=",100]}]}              | {}                     | false
            {"a":[{"numeric":["=",3.018e2]}]}          | {"a":301.8}            | true
            {"a":[{"numeric":[">",10,"<=",20]}]}       | {"a":10}               | false
            {"a":[{"numeric":[">",10,"<=",20]}]}       | {"a":10.5}             | true
            {"a":[{"numeric":[">",10,"<=",20]}]}       | {"a":20}               | true
            {"a":[{"numeric":[">",10,"<=",20]}]}       | {"a":20.000001}        | false
            {"a":[{"numeric":[">",10,"<=",20]}]}       | {"a":-15}              | false
            {"a":[{"numeric":[">=",10,"<",20]}]}       | {"a":10}               | true
            {"a":[{"numeric":[">=",10,"<",20]}]}       | {"a":20}               | false
            {"a":[{"numeric":["<",0]}]}                | {"a":-0.5}             | true
            {"a":[{"numeric":["<",0]}]}                | {"a":0}                | false
            {"a":[{"numeric":["<=",0]}]}               | {"a":0}                | true
            {"a":[{"numeric":[">",0]}]}                | {"a":0}                | false
            {"a":[{"numeric":[">",0]}]}                | {"a":1e300}            | true
            {"a":[{"numeric":[">=",-5e9]}]}            | {"a":-5000000000}      | true
            {"a":[{"numeric":[">",0]}]}                | {"a":12345678901234567890} | true
            {"a":[{"numeric":[">",0]}]}                | {"a":true}             | false
            # arrays: any numeric element in range
            {"a":[{"numeric":[">",0]}]}                | {"a":[-1,5]}           | true
            {"a":[{"numeric":[">",0]}]}                | {"a":[-1,-2]}          | false
            {"a":[{"numeric":[">",0]}]}                | {"a":["5"]}            | false
            # several numeric values OR
            {"a":[{"numeric":["<",0]},{"numeric":[">",100]}]} | {"a":50}        | false
            {"a":[{"numeric":["<",0]},{"numeric":[">",100]}]} | {"a":150}       | true
            # DynamoDB typed JSON keeps numbers as strings, so numeric never matches it
            {"dynamodb":{"NewImage":{"n":{"N":[{"numeric":["=",5]}]}}}} | {"dynamodb":{"NewImage":{"n":{"N":"5"}}}} | false
            {"dynamodb":{"NewImage":{"n":{"N":["5"]}}}}                 | {"dynamodb":{"NewImage":{"n":{"N":"5"}}}} | true
            """)
    void numeric(String pattern, String event, boolean expected) {
        assertThat(matches(pattern, event)).isEqualTo(expected);
    }
}

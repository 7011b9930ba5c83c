package io.esm4j.filter;

import static io.esm4j.filter.Fixtures.matches;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** cidr: a string that is an IPv4 or IPv6 address literal inside the block. */
class CidrTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            10.0.0.0/24          | 10.0.0.1                                 | true
            10.0.0.0/24          | 10.0.0.0                                 | true
            10.0.0.0/24          | 10.0.0.255                               | true
            10.0.0.0/24          | 10.0.1.0                                 | false
            10.0.0.0/24          | 9.255.255.255                            | false
            10.0.0.0/24          | 10.0.0                                   | false
            10.0.0.0/24          | 10.0.0.256                               | false
            10.0.0.0/24          | 10.0.0.1.5                               | false
            10.0.0.0/24          | 10.0.0.1/32                              | false
            10.0.0.0/24          | 10.0.0.0001                              | false
            10.0.0.0/24          | ' 10.0.0.1'                              | false
            10.0.0.0/24          | 10..0.1                                  | false
            10.0.0.0/24          | ''                                       | false
            10.0.0.0/24          | ::ffff:10.0.0.7                          | true
            10.0.0.0/24          | fe80::1                                  | false
            # host bits of the block are ignored
            10.0.0.5/24          | 10.0.0.200                               | true
            10.0.0.0/9           | 10.127.255.255                           | true
            10.0.0.0/9           | 10.128.0.0                               | false
            0.0.0.0/0            | 255.255.255.255                          | true
            0.0.0.0/0            | ::1                                      | false
            192.168.1.1/32       | 192.168.1.1                              | true
            192.168.1.1/32       | 192.168.1.2                              | false
            2001:db8::/32        | 2001:db8::1                              | true
            2001:db8::/32        | 2001:0DB8:0000:0000:0000:0000:0000:0001  | true
            2001:db8::/32        | 2001:db9::1                              | false
            2001:db8::/32        | 10.0.0.1                                 | false
            2001:db8::/32        | 2001:db8::1::2                           | false
            2001:db8::/32        | 2001:db8:1:2:3:4:5:6:7                   | false
            2001:db8::/32        | 2001:db8:0:0:0:0:0:0:0                   | false
            2001:db8::/32        | 2001:db8::g                              | false
            2001:db8::/32        | 2001:db8::1%eth0                         | false
            2001:db8::/32        | 2001:db8:                                | false
            2001:db8::/32        | 2001:db8:12345::                         | false
            ::1/128              | ::1                                      | true
            ::1/128              | 0:0:0:0:0:0:0:1                          | true
            ::1/128              | ::2                                      | false
            ::/0                 | ::                                       | true
            ::/0                 | 1.2.3.4                                  | false
            64:ff9b::/96         | 64:ff9b::1.2.3.4                         | true
            64:ff9b::/96         | 64:ff9b:0:0:0:0:1.2.3.4                  | true
            64:ff9b::/96         | 64:ff9b:0:0:0:0:0:1.2.3.4                | false
            64:ff9b::/96         | 1.2.3.4::                                | false
            2001:db8::1.2.3.4/128| 2001:db8::102:304                        | true
            # only ASCII digits and hex letters: Arabic-Indic and fullwidth digits are no address
            ::/0                 | ١::                                      | false
            ::/0                 | ::١                                      | false
            ::/0                 | １::                                      | false
            ::/0                 | ａ::                                      | false
            0.0.0.0/0            | ١.0.0.0                                  | false
            0.0.0.0/0            | ::ffff:١.0.0.0                           | false
            """)
    void addresses(String block, String address, boolean expected) {
        String pattern = "{\"ip\":[{\"cidr\":\"" + block + "\"}]}";
        assertThat(matches(pattern, "{\"ip\":\"" + address + "\"}")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"ip":[{"cidr":"10.0.0.0/8"}]}  | {"ip":167772161}                | false
            {"ip":[{"cidr":"10.0.0.0/8"}]}  | {"ip":["1.1.1.1","10.1.1.1"]}  | true
            {"ip":[{"cidr":"10.0.0.0/8"}]}  | {}                              | false
            """)
    void onlyStringsAreAddresses(String pattern, String event, boolean expected) {
        assertThat(matches(pattern, event)).isEqualTo(expected);
    }
}

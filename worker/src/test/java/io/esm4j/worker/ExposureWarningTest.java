package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The container's default arguments bind 0.0.0.0 without --api-keys: the worker says at start that its mapping API
 * then answers anyone who reaches the port. Checked on the address alone: no test binds off loopback.
 */
class ExposureWarningTest {

    @Test
    void anUnauthenticatedApiOnEveryInterfaceIsWarnedAbout() {
        assertThat(Worker.exposureWarning(new InetSocketAddress("0.0.0.0", 8080), false))
                .startsWith("the mapping API listens on 0.0.0.0:8080 without authentication")
                .contains("--api-keys");
        assertThat(Worker.exposureWarning(new InetSocketAddress("10.1.2.3", 8080), false)).isNotNull();
    }

    @Test
    void loopbackOrApiKeysNeedNoWarning() {
        assertThat(Worker.exposureWarning(new InetSocketAddress("127.0.0.1", 8080), false)).isNull();
        assertThat(Worker.exposureWarning(new InetSocketAddress("::1", 8080), false)).isNull();
        assertThat(Worker.exposureWarning(new InetSocketAddress("0.0.0.0", 8080), true)).isNull();
    }
}

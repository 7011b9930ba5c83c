package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The worker's command line. */
class MainArgumentsTest {

    @Test
    void flagsAndOptionsBecomeTheWorkersOptions() {
        Main.Arguments parsed = Main.Arguments.parse(new String[] {"--msk-public-endpoints", "--port", "0",
                "--endpoint", "kafka=http://127.0.0.1:4566", "--lease-table", "leases"});
        assertThat(parsed.options.mskPublicEndpoints()).isTrue();
        assertThat(parsed.options.port()).isZero();
        assertThat(parsed.options.endpoints().endpoint("kafka")).isEqualTo(URI.create("http://127.0.0.1:4566"));
        assertThat(parsed.options.leaseTable()).isEqualTo("leases");
        assertThat(Main.Arguments.parse(new String[0]).options.mskPublicEndpoints()).isFalse();
    }

    @Test
    void wrongOptionsAreRefusedNamingThem() {
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--endpoint", "msk=http://127.0.0.1:4566"}))
                .hasMessageContaining("--endpoint.msk").hasMessageContaining("kafka");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--port"}))
                .hasMessage("Unknown option or missing value: --port");
    }
}

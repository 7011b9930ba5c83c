package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KinesisMockServerTest {

    @Test
    void bindsTheOneListeningAddressToLoopback() {
        assertThat(KinesisMockServer.loopbackOnly("a Host$().em(\"0.0.0.0\") b"))
                .isEqualTo("a Host$().em(\"127.0.0.1\") b");
    }

    @Test
    void failsLoudlyWhenTheAddressIsNotThereExactlyOnce() {
        assertThatThrownBy(() -> KinesisMockServer.loopbackOnly("no address"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("found none");
        assertThatThrownBy(() -> KinesisMockServer.loopbackOnly(
                "Host$().em(\"0.0.0.0\") Host$().em(\"0.0.0.0\")"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("found several");
    }

    @Test
    void pushesFanOutEventsEvery200MillisecondsInsteadOfEverySecond() {
        String every = "var this$9 = new $c_s_concurrent_duration_package$DurationInt(%d);\n"
                + "    var unit = $m_ju_concurrent_TimeUnit$().%s;";
        assertThat(KinesisMockServer.fasterPushes("a " + every.formatted(1, "nz") + " b"))
                .isEqualTo("a " + every.formatted(200, "Ir") + " b");
        assertThatThrownBy(() -> KinesisMockServer.fasterPushes("no interval"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("found none");
    }
}

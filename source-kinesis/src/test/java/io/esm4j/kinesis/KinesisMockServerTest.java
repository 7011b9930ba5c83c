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
}

package io.esm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class PartitionKeysTest {

    @Test
    void aKeysHashIsItsMd5AsAnUnsigned128BitNumber() {
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661; MD5("b") starts with a set top bit, which stays positive.
        assertThat(PartitionKeys.hash("a")).isEqualTo(new BigInteger("0cc175b9c0f1b6a831c399e269772661", 16));
        assertThat(PartitionKeys.hash("b")).isEqualTo(new BigInteger("92eb5ffee6ae2fec3ad71c777531578f", 16))
                .isLessThanOrEqualTo(PartitionKeys.MAX_HASH);
    }

    @Test
    void aKeyTooLongIsShownByItsFirst40Characters() {
        String key = "k".repeat(300);

        assertThatThrownBy(() -> PartitionKeys.hash(key)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("partitionKey must have 1 to 256 Unicode characters but had 300 characters: '"
                        + "k".repeat(40) + "…'");
        assertThatThrownBy(() -> PartitionKeys.hash("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but had 0 characters");
    }
}

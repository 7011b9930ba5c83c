package io.esm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Puts are checked as Kinesis checks PutRecord, so a test can't write a record Kinesis would refuse. */
class InMemoryStreamTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    private final InMemoryStream stream = InMemoryStream.create("s", 2);

    /** Every put overload, so none of them skips the checks. */
    static Stream<Arguments> puts() {
        return Stream.of(
                Arguments.of("put(key, byte[])",
                        (PutWithKey) (s, key) -> s.put(key, "x".getBytes(StandardCharsets.UTF_8))),
                Arguments.of("put(key, String)", (PutWithKey) (s, key) -> s.put(key, "x")),
                Arguments.of("put(key, byte[], Instant)",
                        (PutWithKey) (s, key) -> s.put(key, "x".getBytes(StandardCharsets.UTF_8), NOW)));
    }

    interface PutWithKey {
        void put(InMemoryStream stream, String partitionKey);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("puts")
    void aPartitionKeyOutsideOneTo256CharactersIsRejectedNamingItsLength(String overload, PutWithKey put) {
        assertThatThrownBy(() -> put.put(stream, ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 characters").hasMessageContaining("1 to 256");
        assertThatThrownBy(() -> put.put(stream, "k".repeat(257)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("257 characters").hasMessageContaining("1 to 256");
        assertThatThrownBy(() -> put.put(stream, "k".repeat(300)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("300 characters").hasMessageContaining("1 to 256");
        assertThatThrownBy(() -> put.put(stream, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitionKey").hasMessageContaining("null").hasMessageContaining("1 to 256");
        assertThat(records()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("puts")
    void partitionKeysOfOneTo256UnicodeCharactersAreAccepted(String overload, PutWithKey put) {
        put.put(stream, "k");
        put.put(stream, "k".repeat(256));
        // 256 characters outside the BMP are 512 UTF-16 chars, still 256 Unicode characters.
        put.put(stream, "😀".repeat(256));

        assertThat(records()).extracting(r -> r.partitionKey().codePointCount(0, r.partitionKey().length()))
                .containsExactlyInAnyOrder(1, 256, 256);
    }

    @Test
    void nullDataOrArrivalIsRejectedWithoutUsingASequenceNumber() {
        assertThatThrownBy(() -> stream.put("k", (byte[]) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data").hasMessageContaining("null");
        assertThatThrownBy(() -> stream.put("k", (String) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data").hasMessageContaining("null");
        assertThatThrownBy(() -> stream.put("k", new byte[0], null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arrival")
                .hasMessageContaining("null");

        assertThat(stream.put("k", new byte[0]).sequenceNumber()).isEqualTo("%020d".formatted(1));
    }

    private List<io.esm4j.stream.StreamRecord<byte[]>> records() {
        return stream.openShardIds().stream().flatMap(id -> stream.records(id).stream()).toList();
    }
}

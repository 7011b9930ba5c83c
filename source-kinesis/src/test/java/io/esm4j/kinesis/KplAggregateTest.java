package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class KplAggregateTest {

    @Test
    void decodesEveryUserRecordWithItsKeysInOrder() {
        byte[] aggregate = KplEncoder.aggregate(List.of(
                new KplEncoder.UserRecord("a", "one"),
                new KplEncoder.UserRecord("b", "12345678901234567890", "two"),
                new KplEncoder.UserRecord("a", "three")));

        List<KplAggregate.UserRecord> records = KplAggregate.decode(aggregate).orElseThrow();

        assertThat(records).extracting(KplAggregate.UserRecord::partitionKey).containsExactly("a", "b", "a");
        assertThat(records).extracting(KplAggregate.UserRecord::explicitHashKey)
                .containsExactly(null, "12345678901234567890", null);
        assertThat(records).extracting(r -> new String(r.data(), StandardCharsets.UTF_8))
                .containsExactly("one", "two", "three");
    }

    @Test
    void decodesAnAggregateOfOneEmptyRecord() {
        byte[] aggregate = KplEncoder.aggregate(List.of(new KplEncoder.UserRecord("k", "")));

        assertThat(KplAggregate.decode(aggregate).orElseThrow()).singleElement()
                .satisfies(r -> assertThat(r.data()).isEmpty());
    }

    @Test
    void plainDataIsNotAnAggregate() {
        assertThat(KplAggregate.decode("{\"order\":1}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(KplAggregate.decode(new byte[0])).isEmpty();
        assertThat(KplAggregate.decode(KplAggregate.MAGIC)).isEmpty();
    }

    @Test
    void aChecksumMismatchMeansTheDataIsHandedOverUnchanged() {
        byte[] aggregate = KplEncoder.aggregate(List.of(new KplEncoder.UserRecord("k", "data")));
        aggregate[aggregate.length - 1] ^= 0x01;

        assertThat(KplAggregate.decode(aggregate)).isEmpty();
    }

    @Test
    void aMalformedMessageWithAValidChecksumIsNotAnAggregate() {
        byte[] body = {0x0A, 0x05, 'k'}; // partition key of length 5 with one byte present
        assertThat(KplAggregate.decode(withChecksum(body))).isEmpty();
        byte[] keyIndexOutOfRange = {0x1A, 0x04, 0x08, 0x03, 0x1A, 0x00}; // record {key index 3, data ""}, no keys
        assertThat(KplAggregate.decode(withChecksum(keyIndexOutOfRange))).isEmpty();
    }

    private static byte[] withChecksum(byte[] body) {
        byte[] digest = KplAggregate.md5(body, 0, body.length);
        byte[] out = Arrays.copyOf(KplAggregate.MAGIC, KplAggregate.MAGIC.length + body.length + digest.length);
        System.arraycopy(body, 0, out, KplAggregate.MAGIC.length, body.length);
        System.arraycopy(digest, 0, out, KplAggregate.MAGIC.length + body.length, digest.length);
        return out;
    }
}

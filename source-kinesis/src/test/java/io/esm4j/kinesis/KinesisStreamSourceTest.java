package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

class KinesisStreamSourceTest {

    @Test
    void aStreamArnGivesRegionAccountAndName() {
        KinesisStreamSource.StreamArn arn = KinesisStreamSource.StreamArn.parse(
                "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream");

        assertThat(arn.region()).isEqualTo("us-east-2");
        assertThat(arn.account()).isEqualTo("123456789012");
        assertThat(arn.streamName()).isEqualTo("lambda-stream");
    }

    @Test
    void rejectsWhatIsNotAKinesisStreamArn() {
        for (String bad : new String[] {"lambda-stream", "arn:aws:sqs:us-east-2:1:queue",
                "arn:aws:kinesis:us-east-2:1:stream/", "arn:aws:kinesis:us-east-2:1:table/x"}) {
            assertThatThrownBy(() -> KinesisStreamSource.StreamArn.parse(bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void needsExactlyOneOfStreamNameAndStreamArn() {
        try (KinesisClient client = KinesisClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
            assertThatThrownBy(() -> KinesisStreamSource.builder(client).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one");
            KinesisStreamSource source = KinesisStreamSource.builder(client)
                    .streamArn("arn:aws:kinesis:eu-west-1:1:stream/s").build();
            assertThat(source.streamName()).isEqualTo("s");
            assertThat(source.streamArn()).isEqualTo("arn:aws:kinesis:eu-west-1:1:stream/s");
        }
    }

    @Test
    void filterCriteriaMatchTheDecodedDataAsJsonAndNeverMatchOtherData() {
        try (KinesisClient client = KinesisClient.builder().region(Region.US_EAST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
            KinesisStreamSource source = KinesisStreamSource.builder(client)
                    .streamArn("arn:aws:kinesis:eu-west-1:1:stream/s").build();
            FilterCriteria orders = FilterCriteria.of(List.of("{\"data\":{\"type\":[\"order\"]}}"));

            assertThat(source.filterableKeys()).containsExactly("data");
            assertThat(orders.matches(source.filterDocument(record("{\"type\":\"order\"}")))).isTrue();
            assertThat(orders.matches(source.filterDocument(record("{\"type\":\"ping\"}")))).isFalse();
            assertThat(orders.matches(source.filterDocument(record("not json")))).isFalse();
        }
    }

    private static StreamRecord<KinesisRecord> record(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        KinesisRecord record = KinesisRecord.of("shardId-000000000000", KinesisRecord.Kinesis.of("k", "1", bytes,
                Instant.EPOCH, "NONE"), "arn:aws:iam::1:role/r", "eu-west-1", "arn:aws:kinesis:eu-west-1:1:stream/s");
        return new StreamRecord<>("shardId-000000000000", "1", "k", Instant.EPOCH, bytes.length, record);
    }
}

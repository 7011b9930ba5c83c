package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.stream.ReadStart;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.polling.CallFailure;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/** The Kinesis rules the shared reader asks for; reading itself is tested on kinesis-mock (ReadingTests). */
class KinesisShardReaderTest {

    private final KinesisClient client = KinesisClient.builder().region(Region.US_EAST_1)
            .credentialsProvider(AnonymousCredentialsProvider.create()).build();
    private final KinesisShardReader calls = new KinesisShardReader(client, "s", "shardId-000000000000",
            new RecordConverter("shardId-000000000000", "arn:aws:iam::1:role/r", "us-east-1",
                    "arn:aws:kinesis:us-east-1:1:stream/s"));

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void throttlingAndExpiredIteratorsAreTheOnlyFailuresTheReaderHandles() {
        assertThat(calls.classify(ProvisionedThroughputExceededException.builder().build()))
                .isEqualTo(CallFailure.THROTTLED);
        assertThat(calls.classify(KmsThrottlingException.builder().build())).isEqualTo(CallFailure.THROTTLED);
        assertThat(calls.classify(ExpiredIteratorException.builder().build()))
                .isEqualTo(CallFailure.ITERATOR_EXPIRED);
        assertThat(calls.classify(ResourceNotFoundException.builder().build())).isEqualTo(CallFailure.OTHER);
    }

    @Test
    void afterASubRecordItsAggregateUpToItPrecedesTheStart() {
        ReadStart afterSub1 = new ReadStart.AfterSequenceNumber("100/1");

        assertThat(calls.precedes(record("100/0"), afterSub1)).isTrue();
        assertThat(calls.precedes(record("100/1"), afterSub1)).isTrue();
        assertThat(calls.precedes(record("100/2"), afterSub1)).isFalse();
        assertThat(calls.precedes(record("200/0"), afterSub1)).isFalse();
        assertThat(calls.precedes(record("200"), afterSub1)).isFalse();
    }

    @Test
    void afterAPlainRecordOrFromAnyOtherStartNothingPrecedes() {
        assertThat(calls.precedes(record("100/0"), new ReadStart.AfterSequenceNumber("100"))).isFalse();
        assertThat(calls.precedes(record("100/0"), new ReadStart.TrimHorizon())).isFalse();
        assertThat(calls.precedes(record("100/0"), new ReadStart.AtTimestamp(Instant.EPOCH))).isFalse();
    }

    private static StreamRecord<KinesisRecord> record(String sequenceNumber) {
        return new StreamRecord<>("shardId-000000000000", sequenceNumber, "k", Instant.EPOCH, 1, null);
    }
}

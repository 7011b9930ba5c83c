package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.polling.CallFailure;
import java.io.InterruptedIOException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisServiceClientConfiguration;
import software.amazon.awssdk.services.kinesis.model.GetRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.Record;
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

    /**
     * Apache's connection-pool and connect timeouts are InterruptedIOExceptions, which the SDK throws wrapped in an
     * SdkClientException without interrupting the thread: a failure for the engine to count, show and retry after
     * the last record, never taken for its stop (only an InterruptedException or an interrupted thread is).
     */
    @Test
    void aConnectionPoolTimeoutIsAFailureNotAStop() throws Exception {
        AtomicInteger getRecordsCalls = new AtomicInteger();
        KinesisClient failingOnce = new KinesisClient() {
            @Override
            public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
                return GetShardIteratorResponse.builder().shardIterator("iterator").build();
            }

            @Override
            public GetRecordsResponse getRecords(GetRecordsRequest request) {
                if (getRecordsCalls.incrementAndGet() == 1) {
                    throw SdkClientException.create("Unable to execute HTTP request: Timeout waiting for "
                            + "connection from pool", new InterruptedIOException("Timeout waiting for connection"));
                }
                return GetRecordsResponse.builder().millisBehindLatest(0L).nextShardIterator("next")
                        .records(Record.builder().sequenceNumber("100").partitionKey("k")
                                .data(SdkBytes.fromUtf8String("x")).approximateArrivalTimestamp(Instant.EPOCH)
                                .build()).build();
            }

            @Override
            public String serviceName() {
                return "kinesis";
            }

            @Override
            public KinesisServiceClientConfiguration serviceClientConfiguration() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {}
        };
        ShardReader<KinesisRecord> reader = KinesisShardReader.open(failingOnce,
                "arn:aws:kinesis:us-east-1:1:stream/s", "shardId-000000000000", new ReadStart.TrimHorizon(),
                new RecordConverter("shardId-000000000000", "arn:aws:iam::1:role/r", "us-east-1",
                        "arn:aws:kinesis:us-east-1:1:stream/s"), KinesisSourceSettings.defaults(), () -> null);

        assertThatThrownBy(() -> reader.fetch(10)).isInstanceOf(SdkClientException.class)
                .isNotInstanceOf(InterruptedException.class);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        FetchResult<KinesisRecord> next = reader.fetch(10);
        assertThat(next.records()).extracting(StreamRecord::sequenceNumber).containsExactly("100");
    }

    /**
     * Kinesis refuses a position of another stream (one of the same name that was deleted) with InvalidArgumentException
     * on GetShardIterator: the failure says what that most likely means and what to do, also before the source has
     * seen the stream's new creation time, and says that the stream was recreated once it has.
     */
    @Test
    void aPositionTheShardRefusesIsReportedAsOneOfAnotherStream() {
        KinesisClient refusing = new KinesisClient() {
            @Override
            public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
                throw InvalidArgumentException.builder().statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("InvalidArgumentException").errorMessage("StartingSequenceNumber "
                                + request.startingSequenceNumber() + " used in GetShardIterator on shard "
                                + request.shardId() + " in stream s under account 1 is invalid because it did not "
                                + "come from this stream.").build()).build();
            }

            @Override
            public String serviceName() {
                return "kinesis";
            }

            @Override
            public void close() {}
        };
        String[] recreation = {null};
        KinesisShardReader reader = new KinesisShardReader(refusing, "arn:aws:kinesis:us-east-1:1:stream/s",
                "shardId-000000000000", new RecordConverter("shardId-000000000000", "arn:aws:iam::1:role/r",
                        "us-east-1", "arn:aws:kinesis:us-east-1:1:stream/s"), () -> recreation[0]);

        assertThatThrownBy(() -> reader.openIterator(new ReadStart.AfterSequenceNumber("4968")))
                .isInstanceOf(PositionNotInShardException.class)
                .hasMessageStartingWith("position 4968 is not one of shard shardId-000000000000 of stream "
                        + "arn:aws:kinesis:us-east-1:1:stream/s (Kinesis: StartingSequenceNumber 4968 used in")
                .hasMessageContaining("a stream of the same name that was deleted", "delete its leases");
        recreation[0] = "stream arn:aws:kinesis:us-east-1:1:stream/s was deleted and created again";
        assertThatThrownBy(() -> reader.openIterator(new ReadStart.AfterSequenceNumber("4968")))
                .hasMessageStartingWith(recreation[0] + ": position 4968 of shard shardId-000000000000 is one of "
                        + "the old stream. The mapping does not move on");
        assertThatThrownBy(() -> reader.openIterator(new ReadStart.TrimHorizon()))
                .isInstanceOf(InvalidArgumentException.class);
    }

    private static StreamRecord<KinesisRecord> record(String sequenceNumber) {
        return new StreamRecord<>("shardId-000000000000", sequenceNumber, "k", Instant.EPOCH, 1, null);
    }
}

package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.testsupport.FreePorts;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.mappings.MappingConflictException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.regions.Region;

class WorkerStartTest {

    @TempDir
    Path directory;

    @Test
    void twoMappingsOfTheSameSourceAndFunctionAreRefusedAsLambdaRefusesThem() throws Exception {
        Path file = directory.resolve("mappings.json");
        Files.writeString(file, """
                {"EventSourceMappings": [
                  {"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:q", "FunctionName": "http://127.0.0.1:1/f"},
                  {"EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:q", "FunctionName": "http://127.0.0.1:1/f",
                   "BatchSize": 5}]}
                """);

        assertThatThrownBy(() -> Worker.start(WorkerOptions.defaults().withConfigFile(file)
                .withDataDirectory(directory).withListen("127.0.0.1", 0)
                .withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)))
                .isInstanceOf(MappingConflictException.class)
                .hasMessageContaining("arn:aws:sqs:us-east-1:000000000000:q").hasMessageContaining("already exists");
    }

    private static final String KINESIS = "\"EventSourceArn\": \"arn:aws:kinesis:us-east-1:000000000000:stream/s\"";
    private static final String KAFKA = "\"SelfManagedEventSource\": {\"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": "
            + "[\"127.0.0.1:1\"]}}, \"Topics\": [\"t\"]";
    private static final String SQS_FIFO = "\"EventSourceArn\": \"arn:aws:sqs:us-east-1:000000000000:q.fifo\"";
    private static final String LATEST = ", \"StartingPosition\": \"LATEST\"";
    private static final String DESTINATION = "DestinationConfig.OnFailure.Destination";
    private static final String IN_3000 = ", \"StartingPosition\": \"AT_TIMESTAMP\", \"StartingPositionTimestamp\": ";

    static Stream<Arguments> mappingsThatCouldNeverStart() {
        return Stream.of(
                Arguments.of("StartingPositionTimestamp", KINESIS + IN_3000 + "\"3000-01-01T00:00:00Z\""),
                Arguments.of("StartingPositionTimestamp", KAFKA + IN_3000 + "32503680000"),
                Arguments.of("BatchSize", SQS_FIFO + ", \"BatchSize\": 20, \"MaximumBatchingWindowInSeconds\": 1"),
                Arguments.of("MaximumBatchingWindow", SQS_FIFO + ", \"MaximumBatchingWindowInSeconds\": 1"),
                Arguments.of("FilterCriteria", KINESIS + LATEST + filter("{\\\"body\\\": {\\\"a\\\": [1]}}")),
                Arguments.of("FilterCriteria", "\"EventSourceArn\": \"arn:aws:kinesis:us-east-1:000000000000:stream/s/"
                        + "consumer/c:1\"" + LATEST + filter("{\\\"data\\\": [\\\"plain\\\"]}")),
                Arguments.of("FilterCriteria", "\"EventSourceArn\": \"arn:aws:sqs:us-east-1:000000000000:q\""
                        + filter("{\\\"data\\\": {\\\"a\\\": [1]}}")),
                Arguments.of(DESTINATION, KINESIS + LATEST + onFailure("kafka://failures")),
                Arguments.of(DESTINATION, "\"EventSourceArn\": \"arn:aws:dynamodb:us-east-1:000000000000:table/t/"
                        + "stream/1\"" + LATEST + onFailure("arn:aws:sqs:us-east-1:000000000000:f.fifo")),
                Arguments.of(DESTINATION, KAFKA + LATEST
                        + onFailure("arn:aws:lambda:us-east-1:000000000000:function:f")));
    }

    private static String filter(String pattern) {
        return ", \"FilterCriteria\": {\"Filters\": [{\"Pattern\": \"" + pattern + "\"}]}";
    }

    private static String onFailure(String destination) {
        return ", \"DestinationConfig\": {\"OnFailure\": {\"Destination\": \"" + destination + "\"}}";
    }

    /**
     * What esm-core and the destinations check when a mapping is built is checked when the file is read, so the
     * worker does not start with a mapping that would fail every start (Lambda refuses these at creation).
     */
    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("mappingsThatCouldNeverStart")
    void aMappingThatCouldNeverStartIsRefusedWhenTheFileIsRead(String field, String fields) throws Exception {
        Path file = directory.resolve("mappings.json");
        Files.writeString(file, "{\"EventSourceMappings\": [{\"FunctionName\": \"http://127.0.0.1:1/f\", " + fields
                + "}]}");

        assertThatThrownBy(() -> Worker.start(WorkerOptions.defaults().withConfigFile(file)
                .withDataDirectory(directory).withListen("127.0.0.1", 0)
                .withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageContaining(field)
                .satisfies(e -> assertThat(((InvalidMappingException) e).field()).startsWith(field.split("\\.")[0]));
    }

    @Test
    void aRedisThatDoesNotAnswerStopsTheStartNamingTheServerOrSentinelsButNotThePassword() throws Exception {
        int closedPort = FreePorts.distinct(1)[0];
        URI redis = URI.create("redis://user:hunter2@127.0.0.1:" + closedPort);

        assertThatThrownBy(() -> Worker.start(WorkerOptions.defaults().withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                .withLeases(new StoreLocation.Redis(redis))))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("Could not connect to Redis at 127.0.0.1:" + closedPort + " (--lease-redis): ")
                .message().doesNotContain("hunter2");

        URI sentinels = URI.create("redis-sentinel://hunter2@127.0.0.1:" + closedPort + "#orders-cache");
        assertThatThrownBy(() -> Worker.start(WorkerOptions.defaults().withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                .withMappings(new StoreLocation.Redis(sentinels))))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("Could not connect to the master orders-cache of Redis Sentinel at 127.0.0.1:"
                        + closedPort + " (--mapping-redis): ")
                .message().doesNotContain("hunter2");
    }
}

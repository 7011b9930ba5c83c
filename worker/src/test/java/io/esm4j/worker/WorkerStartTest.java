package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.testsupport.FreePorts;
import io.esm4j.worker.mappings.MappingConflictException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

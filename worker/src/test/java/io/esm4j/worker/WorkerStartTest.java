package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.worker.mappings.MappingConflictException;
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
}

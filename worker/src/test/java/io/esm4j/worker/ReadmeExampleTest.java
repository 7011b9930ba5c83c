package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.esm4j.worker.config.WorkerFile;
import io.esm4j.testsupport.FreePorts;
import io.esm4j.worker.mappings.ManagedMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;

/**
 * Every mappings file example of the worker README, as a newcomer copies it: a worker starts with it (every check the
 * worker makes before it calls a service, esm-core's build and the Java handler's class and event included), and the
 * README's "the same as JSON" holds. The example's services are not there, so the mappings only try to start.
 */
class ReadmeExampleTest {

    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path directory;

    @Test
    void everyMappingsFileExampleOfTheReadmeStartsAWorker() throws Exception {
        List<String> examples = examples();
        assertThat(examples).as("the README's yaml blocks with EventSourceMappings").isNotEmpty();
        // The example's Kafka brokers are names nobody serves: the test's copy points them at a free loopback port,
        // so that the consumer sends nothing (not even a DNS lookup) off this machine. Every other service of the
        // example has a loopback endpoint already.
        String noBroker = "127.0.0.1:" + FreePorts.distinct(1)[0];
        for (String readmeExample : examples) {
            String example = readmeExample.replaceAll("b-\\d\\.example:9092", noBroker);
            assertThat(example).as("the example's brokers, replaced").doesNotContain(".example:");
            Path file = directory.resolve("mappings.yaml");
            Files.writeString(file, example);
            int mappings = WorkerFile.read(file).mappings().size();
            Path json = directory.resolve("mappings.json");
            Files.writeString(json, new ObjectMapper().writeValueAsString(new YAMLMapper().readTree(example)));
            assertThat(WorkerFile.read(json).mappings()).hasSize(mappings);

            Path data = Files.createDirectories(directory.resolve("data-" + examples.indexOf(readmeExample)));
            try (Worker worker = Worker.start(WorkerOptions.defaults().withConfigFile(file).withDataDirectory(data)
                    .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)
                    .withDrainTimeout(Duration.ofSeconds(1)))) {
                assertThat(worker.registry().list()).hasSize(mappings);
                assertThat(worker.registry().list().stream().map(ManagedMapping::sourceKind).distinct())
                        .as("the full example shows every source").contains("SQS", "Kinesis", "DynamoDB Streams",
                                "Kafka");
            }
        }
    }

    private static List<String> examples() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<String> examples = new ArrayList<>();
        Matcher block = YAML_BLOCK.matcher(readme);
        while (block.find()) {
            if (block.group(1).contains("EventSourceMappings:")) {
                examples.add(block.group(1));
            }
        }
        return examples;
    }
}

package io.esm4j.worker;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.regions.Region;

/** Workers started in the test's JVM from a worker file, for tests that check what a mapping delivers. */
final class InProcessWorker {

    private InProcessWorker() {
    }

    /**
     * Writes the worker file into the test's directory and starts a worker on it, listening on loopback only. The
     * directory also holds the worker's checkpoints, so the caller closes the worker before the directory goes.
     */
    static Worker start(Path directory, String workerFile) throws IOException {
        return start(directory, workerFile, UnaryOperator.identity());
    }

    /** The same, with further options (a worker id, where its state lives) set by {@code more}. */
    static Worker start(Path directory, String workerFile, UnaryOperator<WorkerOptions> more) throws IOException {
        Path config = directory.resolve("mappings.yaml");
        Files.writeString(config, workerFile);
        return Worker.start(more.apply(WorkerOptions.defaults().withConfigFile(config).withDataDirectory(directory)
                .withListen("127.0.0.1", 0).withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS)));
    }

    /**
     * A worker file reading DynamoDB Streams from {@code streamsEndpoint} with one Java function, {@code java-fn};
     * {@code mappings} is the list under EventSourceMappings, written from column 0.
     */
    static String dynamoDbStreamsFile(URI streamsEndpoint, Class<?> javaFunction, String mappings) {
        return """
                Endpoints:
                  dynamodbstreams: %s
                Functions:
                  java-fn:
                    Handler: %s
                EventSourceMappings:
                %s""".formatted(streamsEndpoint, javaFunction.getName(), mappings.indent(2));
    }
}

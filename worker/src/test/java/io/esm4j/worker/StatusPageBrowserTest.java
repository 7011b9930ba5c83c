package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import io.esm4j.dynamodbstreams.wire.DynamoDbStreamsWireServer;
import io.esm4j.dynamodbstreams.wire.TestTable;
import io.esm4j.worker.mappings.ManagedMapping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page as a browser sees it: headless Chromium loads it from a running worker and dumps the DOM it built.
 * Skipped, with one log line, where Chromium is not installed ({@code /usr/bin/chromium}, Debian's package).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusPageBrowserTest {

    private static final Logger LOG = LoggerFactory.getLogger(StatusPageBrowserTest.class);
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private DynamoDbStreamsWireServer streams;
    @TempDir
    Path directory;

    /** The Java target; what it receives is checked elsewhere. */
    public static final class AcceptingHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
        @Override
        public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
            return StreamsEventResponse.builder().withBatchItemFailures(List.of()).build();
        }
    }

    @BeforeAll
    void start() throws IOException {
        if (!Files.isExecutable(CHROMIUM)) {
            LOG.info("headless Chromium checks skipped: {} is not installed", CHROMIUM);
        }
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "Chromium is not installed");
        streams = DynamoDbStreamsWireServer.start();
    }

    @AfterAll
    void stop() {
        if (streams != null) {
            streams.close();
        }
    }

    @Test
    void chromiumRendersTheMappingsAndTheirShards() throws Exception {
        TestTable table = streams.createTable("orders", "pk", null, TestTable.ViewType.NEW_AND_OLD_IMAGES, 2);
        table.put("{\"pk\":{\"S\":\"o-1\"},\"status\":{\"S\":\"new\"}}");
        String workerFile = InProcessWorker.dynamoDbStreamsFile(streams.endpoint(), AcceptingHandler.class, """
                - EventSourceArn: %s
                  FunctionName: java-fn
                  StartingPosition: TRIM_HORIZON
                """.formatted(table.streamArn()));
        try (Worker worker = InProcessWorker.start(directory, workerFile)) {
            ManagedMapping mapping = worker.registry().list().getFirst();
            await().atMost(Duration.ofSeconds(60)).until(() -> mapping.shards().size() == 2
                    && mapping.shards().stream().allMatch(shard -> shard.owner() != null));

            String dom = dumpDom(worker.url().resolve("/status").toString());

            // Chromium's DOM, not the bytes sent: the browser inserted the tbody elements, so it parsed the tables.
            assertThat(dom).contains("<h1>esm4j worker</h1>").contains("<table id=\"mappings\"><tbody>");
            assertThat(dom).contains("<td>" + mapping.uuid() + "</td>").contains(table.streamArn())
                    .contains("java-fn");
            assertThat(dom).contains("<h3>Shards of " + mapping.uuid() + "</h3>");
            for (var shard : mapping.shards()) {
                assertThat(dom).contains("<td>" + shard.shardId() + "</td><td>" + shard.owner() + "</td>");
            }
        }
    }

    private String dumpDom(String url) throws Exception {
        Path profile = Files.createTempDirectory(directory, "chromium");
        // Flags as for any headless run on a closed network: no sandbox (root in CI), no background connections.
        Process chromium = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--dump-dom", url))
                .redirectError(directory.resolve("chromium.log").toFile()).start();
        try {
            String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(chromium.waitFor(120, TimeUnit.SECONDS)).as("chromium ended").isTrue();
            return dom;
        } finally {
            chromium.destroyForcibly();
        }
    }
}

package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.worker.config.Endpoints;
import io.esm4j.worker.local.LocalMode;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The worker's command line. */
class MainArgumentsTest {

    @Test
    void flagsAndOptionsBecomeTheWorkersOptions() {
        Main.Arguments parsed = Main.Arguments.parse(new String[] {"--msk-public-endpoints", "--port", "0",
                "--endpoint", "kafka=http://127.0.0.1:4566", "--lease-table", "leases"});
        assertThat(parsed.options.mskPublicEndpoints()).isTrue();
        assertThat(parsed.options.port()).isZero();
        assertThat(parsed.options.endpoints().endpoint("kafka")).isEqualTo(URI.create("http://127.0.0.1:4566"));
        assertThat(parsed.options.leases()).isEqualTo(new StoreLocation.DynamoDbTable("leases"));
        assertThat(Main.Arguments.parse(new String[0]).options.mskPublicEndpoints()).isFalse();
        assertThat(Main.Arguments.parse(new String[0]).options.leases()).isEqualTo(new StoreLocation.DataDirectory());
        assertThat(Main.Arguments.parse(new String[] {"--lease-redis", "rediss://user:secret@cache:6380/2"})
                .options.leases()).isEqualTo(new StoreLocation.Redis(URI.create("rediss://user:secret@cache:6380/2")));
        Main.Arguments both = Main.Arguments.parse(new String[] {"--mapping-redis", "redis://cache",
                "--lease-table", "leases"});
        assertThat(both.options.mappings()).isEqualTo(new StoreLocation.Redis(URI.create("redis://cache")));
        assertThat(both.options.leases()).isEqualTo(new StoreLocation.DynamoDbTable("leases"));
        String sentinels = "redis-sentinel://s1:26379,s2:26379#main";
        assertThat(Main.Arguments.parse(new String[] {"--lease-redis", sentinels}).options.leases())
                .isEqualTo(new StoreLocation.Redis(URI.create(sentinels)));
    }

    /** Local mode's own default drain timeout applies only when the option is not given, whatever its value. */
    @Test
    void localModeKeepsAnExplicitDrainTimeoutEvenTheGeneralDefault() {
        assertThat(Main.Arguments.parse(new String[] {"--local"}).options.drainTimeout())
                .isEqualTo(LocalMode.DRAIN_TIMEOUT);
        assertThat(Main.Arguments.parse(new String[] {"--local", "--drain-timeout", "30"}).options.drainTimeout())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(Main.Arguments.parse(new String[] {"--drain-timeout", "7", "--local"}).options.drainTimeout())
                .isEqualTo(Duration.ofSeconds(7));
        assertThat(Main.Arguments.parse(new String[0]).options.drainTimeout())
                .isEqualTo(WorkerOptions.DEFAULT_DRAIN_TIMEOUT);
    }

    /** Local mode calls no AWS endpoint: what it runs no server for goes to a closed loopback port. */
    @Test
    void localModeSendsEveryServiceItRunsNoServerForToAClosedLoopbackPort() {
        URI elasticMq = URI.create("http://127.0.0.1:9324");
        Endpoints offline = LocalMode.offline(Endpoints.none().with("sqs", elasticMq));

        assertThat(offline.endpoint("sqs")).isEqualTo(elasticMq);
        assertThat(Endpoints.SERVICES).allSatisfy(service -> assertThat(offline.endpoint(service)).as(service)
                .isNotNull().satisfies(uri -> assertThat(uri.getHost()).isEqualTo("127.0.0.1")));
        assertThat(offline.endpoint("kinesis")).isEqualTo(URI.create("http://127.0.0.1:9"));
    }

    @Test
    void theDefaultWorkerIdNamesHostAndPidAndHasARandomPartForProcessesThatShareBoth() {
        String id = Main.Arguments.parse(new String[0]).options.workerId();
        assertThat(id).matches(".+-" + ProcessHandle.current().pid() + "-[0-9a-f]{8}");
        assertThat(Main.Arguments.parse(new String[0]).options.workerId()).as("the same in one process").isEqualTo(id);
        assertThat(Main.Arguments.parse(new String[] {"--worker-id", "w1"}).options.workerId()).isEqualTo("w1");
    }

    @Test
    void leasesHaveOnePlaceAndARedisUrlIsCheckedWithoutEchoingIt() {
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--lease-table", "leases", "--lease-redis",
                "redis://127.0.0.1:6379"}))
                .hasMessage("Invalid options: --lease-table and --lease-redis given together, or one of them twice. "
                        + "Expected at most one place for the leases.");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--mapping-redis", "redis://127.0.0.1:6379",
                "--mapping-table", "mappings"}))
                .hasMessage("Invalid options: --mapping-table and --mapping-redis given together, or one of them "
                        + "twice. Expected at most one place for the mappings.");
        String expected = "Invalid value for --lease-redis. Expected a Redis URL, "
                + "redis://[user:password@]host[:port][/database] (rediss:// for TLS; a cluster's node or "
                + "configuration endpoint), or "
                + "redis-sentinel://[password@]host[:port][,host2[:port2]][/database]#master.";
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--lease-redis", "http://user:secret@cache"}))
                .hasMessage(expected).message().doesNotContain("secret");
        // Sentinel needs the master's name.
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--lease-redis", "redis-sentinel://:secret@s1"}))
                .hasMessage(expected).message().doesNotContain("secret");
        // Without a scheme: the same answer, not a NullPointerException from the scheme check.
        for (String noScheme : new String[] {"cache", "//user:secret@cache:6379"}) {
            assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--lease-redis", noScheme}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(expected).message().doesNotContain("secret");
        }
    }

    @Test
    void aRefusedEndpointIsQuotedWithoutItsPassword() {
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--endpoint", "sqs=ftp://u:hunter2@h:9324"}))
                .hasMessage("Invalid value for --endpoint.sqs: ftp://...@h:9324. Expected an http:// or https:// URL "
                        + "with a host.");
    }

    /** Values the worker would take and then misbehave with (a negative drain, a blank lease owner) are refused. */
    @Test
    void valuesOutOfRangeAndOptionsThatWouldBeIgnoredAreRefused() {
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--drain-timeout", "-5"}))
                .hasMessage("Invalid value for --drain-timeout: -5. Expected whole seconds from 0 to 86400.");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--drain-timeout", "86401"}))
                .hasMessageContaining("from 0 to 86400");
        assertThat(Main.Arguments.parse(new String[] {"--drain-timeout", "0"}).options.drainTimeout()).isZero();
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--worker-id", " "}))
                .hasMessageStartingWith("Invalid value for --worker-id: ' '. Expected a non-blank id");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--region", ""}))
                .hasMessage("Invalid value for --region: ''. Expected an AWS region such as us-east-1.");
        assertThat(Main.Arguments.parse(new String[] {"--region", "eu-central-2"}).options.region().id())
                .isEqualTo("eu-central-2");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--exit-after-demo"}))
                .hasMessageStartingWith("Invalid options: --exit-after-demo without --local.");
        assertThat(Main.Arguments.parse(new String[] {"--exit-after-demo", "--local"}).exitAfterDemo).isTrue();
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--lease-table", ""}))
                .hasMessage("Invalid value for --lease-table: ''. Expected a DynamoDB table name: 3–255 characters "
                        + "of a–z, A–Z, 0–9, '_', '-', '.'.");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--mapping-table", "my table"}))
                .hasMessageStartingWith("Invalid value for --mapping-table: 'my table'. Expected a DynamoDB table");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--local", "--config", "mappings.yaml"}))
                .hasMessageStartingWith("Invalid options: --config with --local.");
    }

    /** Local mode brings its own data directory, region and endpoints: one given with it would be ignored. */
    @Test
    void localModeRefusesTheOptionsItWouldIgnore() {
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--local", "--data-dir", "/tmp/mine"}))
                .hasMessage("Invalid options: --data-dir with --local. Expected --local without --data-dir, --region, "
                        + "--endpoint, --lease-table, --lease-redis, --mapping-table and --mapping-redis: local mode "
                        + "uses a data directory, region and endpoints of its own, and lease and mapping stores of its "
                        + "own (a DynamoDB table would be in its in-process server, gone when it stops, or behind the "
                        + "closed port it gives services it runs no server for; a Redis store would be shared with the "
                        + "workers that use it).");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--region", "eu-west-1", "--local"}))
                .hasMessageStartingWith("Invalid options: --region with --local.");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--local", "--endpoint",
                "sqs=http://127.0.0.1:9324"}))
                .hasMessageStartingWith("Invalid options: --endpoint with --local.");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--local", "--lease-table", "leases"}))
                .hasMessageStartingWith("Invalid options: --lease-table with --local.");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--mapping-table", "mappings", "--local"}))
                .hasMessageStartingWith("Invalid options: --mapping-table with --local.");
        // Redis ones too: a lease store is replaced by the Kinesis demo's (or used by no mapping), and a mapping store
        // would be shared with the workers that use it, whose mappings local mode would run against its own servers.
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--local", "--lease-redis", "redis://cache"}))
                .hasMessageStartingWith("Invalid options: --lease-redis with --local.");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--mapping-redis", "redis://cache", "--local"}))
                .hasMessageStartingWith("Invalid options: --mapping-redis with --local.");
        assertThat(Main.Arguments.parse(new String[] {"--local", "--port", "0", "--worker-id", "me"}).local).isTrue();
    }

    /** The last of two values would win without a word; the message does not echo them (a Redis URL's password). */
    @Test
    void anOptionGivenTwiceIsRefused() {
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--config", "a.yaml", "--port", "0", "--config",
                "b.yaml"}))
                .hasMessage("Invalid options: --config given twice. Expected it once.");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--mapping-redis", "redis://u:hunter2@h",
                "--mapping-redis", "redis://u:hunter2@h2"}))
                .hasMessage("Invalid options: --mapping-redis given twice. Expected it once.");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--endpoint", "sqs=http://a", "--endpoint",
                "sqs=http://u:hunter2@b"}))
                .hasMessage("Invalid options: --endpoint sqs=... given twice. Expected one endpoint per service.");
        assertThat(Main.Arguments.parse(new String[] {"--endpoint", "sqs=http://a", "--endpoint", "sns=http://b"})
                .options.endpoints().overrides()).hasSize(2);
    }

    /**
     * The log properties were read leniently (a level the worker does not know gave INFO, a format other than text
     * gave JSON), so a mistyped -Desm4j.log.level=verbose went unnoticed. The process stops with status 2 instead.
     */
    @Test
    void anUnknownLogLevelOrFormatStopsTheProcessWithStatusTwo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path
            directory) throws Exception {
        try (WorkerProcess level = WorkerProcess.launch(directory, java.util.List.of("-Desm4j.log.level=verbose"),
                "--port", "0", "--data-dir", directory.resolve("data").toString())) {
            assertThat(level.waitForExit()).isEqualTo(2);
            assertThat(level.output()).contains("Invalid value for -Desm4j.log.level: verbose. Expected one of "
                    + "ERROR, WARN, INFO, DEBUG, TRACE.");
        }
        try (WorkerProcess format = WorkerProcess.launch(directory, java.util.List.of("-Desm4j.log.format=xml"),
                "--port", "0", "--data-dir", directory.resolve("data").toString())) {
            assertThat(format.waitForExit()).isEqualTo(2);
            assertThat(format.output()).contains("Invalid value for -Desm4j.log.format: xml. Expected json or text.");
        }
    }

    @Test
    void wrongOptionsAreRefusedNamingThem() {
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--endpoint", "msk=http://127.0.0.1:4566"}))
                .hasMessageContaining("--endpoint.msk").hasMessageContaining("kafka");
        assertThatThrownBy(() -> Main.Arguments.parse(new String[] {"--port"}))
                .hasMessage("Unknown option or missing value: --port");
    }
}

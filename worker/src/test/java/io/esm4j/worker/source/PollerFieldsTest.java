package io.esm4j.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Lambda's fields about its own pollers: checked as Lambda checks them, then kept and ignored; KMSKeyArn refused. */
class PollerFieldsTest {

    private static final String SQS = "\"EventSourceArn\": \"arn:aws:sqs:us-east-1:123456789012:orders\"";
    private static final String KAFKA = "\"EventSourceArn\": \"arn:aws:kafka:us-east-1:123456789012:cluster/c/1\", "
            + "\"Topics\": [\"orders\"], \"StartingPosition\": \"LATEST\"";
    private static final String KINESIS = "\"EventSourceArn\": \"arn:aws:kinesis:us-east-1:123456789012:stream/s\", "
            + "\"StartingPosition\": \"LATEST\"";
    private final SourceFactories factories = SourceFactories.discover();

    @Test
    void templatesWithLambdasPollerAndMetricsFieldsAreTaken() {
        assertThat(factories.forMapping(spec(KAFKA + ", \"ProvisionedPollerConfig\": {\"MinimumPollers\": 1, "
                + "\"MaximumPollers\": 2000, \"PollerGroupName\": \"orders\"}, \"MetricsConfig\": {\"Metrics\": "
                + "[\"EventCount\", \"ErrorCount\", \"KafkaMetrics\"]}, \"LoggingConfig\": "
                + "{\"SystemLogLevel\": \"WARN\"}")))
                .isInstanceOf(KafkaSourceFactory.class);
        assertThat(factories.forMapping(spec(SQS + ", \"ProvisionedPollerConfig\": {\"MinimumPollers\": 2, "
                + "\"MaximumPollers\": 10000}, \"MetricsConfig\": {\"Metrics\": [\"EventCount\"]}")))
                .isInstanceOf(SqsSourceFactory.class);
        factories.forMapping(spec(KINESIS + ", \"MetricsConfig\": {\"Metrics\": []}"));
    }

    /** The ranges have one place in the code; the worker README's field table says them as the code has them. */
    @Test
    void theWorkerReadmeStatesThePollerRangesOfTheCode() throws Exception {
        assertThat(Files.readString(Path.of("README.md"))).contains(PollerFields.PollerRanges.described());
    }

    @Test
    void anSqsMappingTakesMaximumConcurrencyOrProvisionedPollersNotBothAsInLambda() {
        assertThatThrownBy(() -> factories.forMapping(spec(SQS + ", \"ScalingConfig\": {\"MaximumConcurrency\": 5}, "
                + "\"ProvisionedPollerConfig\": {\"MinimumPollers\": 2}")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for ScalingConfig.MaximumConcurrency: 5. An SQS mapping takes "
                        + "ScalingConfig.MaximumConcurrency or ProvisionedPollerConfig (provisioned mode), not both");
        factories.forMapping(spec(SQS + ", \"ScalingConfig\": {}, \"ProvisionedPollerConfig\": "
                + "{\"MinimumPollers\": 2}"));
        factories.forMapping(spec(SQS + ", \"ScalingConfig\": {\"MaximumConcurrency\": 5}"));
    }

    @Test
    void whatLambdaRefusesIsRefusedNamingTheValueAndTheRange() {
        assertThatThrownBy(() -> factories.forMapping(spec(SQS + ", \"ProvisionedPollerConfig\": "
                + "{\"MinimumPollers\": 1}")))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessage("Invalid value for ProvisionedPollerConfig.MinimumPollers: 1. Expected an integer from 2 "
                        + "to 200.");
        assertThatThrownBy(() -> factories.forMapping(spec(KAFKA + ", \"ProvisionedPollerConfig\": "
                + "{\"MaximumPollers\": 2001}")))
                .hasMessage("Invalid value for ProvisionedPollerConfig.MaximumPollers: 2001. Expected an integer "
                        + "from 1 to 2,000.");
        assertThatThrownBy(() -> factories.forMapping(spec(KAFKA + ", \"ProvisionedPollerConfig\": "
                + "{\"MinimumPollers\": 5, \"MaximumPollers\": 3}")))
                .hasMessageContaining("Expected MinimumPollers (5) no greater than MaximumPollers (3).");
        assertThatThrownBy(() -> factories.forMapping(spec(SQS + ", \"ProvisionedPollerConfig\": "
                + "{\"PollerGroupName\": \"g\"}")))
                .hasMessageContaining("ProvisionedPollerConfig.PollerGroupName")
                .hasMessageContaining("allowed: MaximumPollers, MinimumPollers");
        assertThatThrownBy(() -> factories.forMapping(spec(KINESIS + ", \"ProvisionedPollerConfig\": "
                + "{\"MinimumPollers\": 1}")))
                .hasMessageContaining("ProvisionedPollerConfig is not valid for Kinesis event sources");
        assertThatThrownBy(() -> factories.forMapping(spec(SQS + ", \"MetricsConfig\": {\"Metrics\": "
                + "[\"KafkaMetrics\"]}")))
                .hasMessageStartingWith("Invalid value for MetricsConfig: {\"Metrics\":[\"KafkaMetrics\"]}. "
                        + "Expected {\"Metrics\": [...]} with any of [EventCount]");
        assertThatThrownBy(() -> factories.forMapping(spec(KAFKA + ", \"LoggingConfig\": "
                + "{\"SystemLogLevel\": \"TRACE\"}")))
                .hasMessageStartingWith("Invalid value for LoggingConfig: {\"SystemLogLevel\":\"TRACE\"}. Expected "
                        + "{\"SystemLogLevel\": \"DEBUG\" | \"INFO\" | \"WARN\"}");
        assertThatThrownBy(() -> factories.forMapping(spec(SQS + ", \"LoggingConfig\": "
                + "{\"SystemLogLevel\": \"WARN\"}")))
                .hasMessageContaining("LoggingConfig is not valid for SQS event sources");
        assertThatThrownBy(() -> factories.forMapping(spec(SQS + ", \"KMSKeyArn\": "
                + "\"arn:aws:kms:us-east-1:123456789012:key/k\"")))
                .hasMessageStartingWith("Invalid value for KMSKeyArn: arn:aws:kms:us-east-1:123456789012:key/k. "
                        + "Lambda encrypts the mapping's FilterCriteria with this key");
    }

    private static MappingSpec spec(String fields) {
        return WorkerFile.parse("{\"EventSourceMappings\": [{\"FunctionName\": \"f\", " + fields + "}]}", false)
                .mappings().getFirst();
    }
}

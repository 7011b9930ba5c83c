package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.settings.HandlerThreads;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;
import io.esm4j.worker.source.SourceFactories;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerFileTest {

    private static final String SQS = "arn:aws:sqs:us-east-1:000000000000:orders";
    private static final String KINESIS = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks";
    private final SourceFactories factories = SourceFactories.discover();

    @Test
    void readsYamlWithFunctionsEndpointsAndLambdaFields() {
        WorkerFile file = WorkerFile.parse("""
                Endpoints:
                  sqs: http://127.0.0.1:9324
                  lambda: http://127.0.0.1:9001
                Functions:
                  orders:
                    Url: http://127.0.0.1:8081/orders
                    Timeout: 30
                    MaximumConcurrency: 4
                  clicks:
                    Handler: io.esm4j.worker.TestKinesisHandler
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: orders
                    BatchSize: 25
                    MaximumBatchingWindowInSeconds: 2
                    FunctionResponseTypes: [ReportBatchItemFailures]
                    ScalingConfig: {MaximumConcurrency: 3}
                    FilterCriteria:
                      Filters:
                        - Pattern: '{"body":{"type":["order"]}}'
                  - EventSourceArn: %s
                    FunctionName: clicks
                    StartingPosition: AT_TIMESTAMP
                    StartingPositionTimestamp: 2026-12-01T00:00:00Z
                    ParallelizationFactor: "4"
                    BisectBatchOnFunctionError: "true"
                    MaximumRetryAttempts: 3
                    DestinationConfig: {OnFailure: {Destination: arn:aws:sqs:us-east-1:000000000000:dlq}}
                """.formatted(SQS, KINESIS), true);

        assertThat(file.endpoints().endpoint("sqs")).isEqualTo(URI.create("http://127.0.0.1:9324"));
        FunctionSpec orders = file.functions().resolve("orders");
        assertThat(orders.kind()).isEqualTo(FunctionSpec.Kind.URL);
        assertThat(orders.timeout().toSeconds()).isEqualTo(30);
        assertThat(orders.maxConcurrency()).isEqualTo(4);
        assertThat(file.functions().resolve("clicks").kind()).isEqualTo(FunctionSpec.Kind.JAVA);
        FunctionSpec lambda = file.functions().resolve("arn:aws:lambda:us-east-1:000000000000:function:billing");
        assertThat(lambda.kind()).isEqualTo(FunctionSpec.Kind.LAMBDA);
        assertThat(lambda.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9001"));
        assertThat(file.functions().resolve("https://example.test/hook").kind()).isEqualTo(FunctionSpec.Kind.URL);

        MappingSpec sqs = file.mappings().get(0);
        assertThat(factories.forMapping(sqs).kind()).isEqualTo("SQS");
        assertThat(sqs.filterPatterns()).containsExactly("{\"body\":{\"type\":[\"order\"]}}");
        assertThat(sqs.maximumConcurrency()).isEqualTo(3);
        MappingSpec kinesis = file.mappings().get(1);
        assertThat(factories.forMapping(kinesis).kind()).isEqualTo("Kinesis");
        assertThat(kinesis.timestamp("StartingPositionTimestamp")).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(kinesis.integer("ParallelizationFactor")).isEqualTo(4);
        assertThat(kinesis.bool("BisectBatchOnFunctionError")).isTrue();
        assertThat(kinesis.onFailureDestination()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:dlq");
    }

    /**
     * The README: "a mapping lifted from a SAM or CloudFormation template works as it is". A template's Tags are a list
     * of Key and Value, and its key field is KmsKeyArn; both were refused as the API's forms are checked.
     */
    @Test
    void cloudFormationsTagsAndKmsKeyArnAreTakenInTheirTemplateForm() {
        MappingSpec spec = spec("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", \"Tags\": [{\"Key\": "
                .formatted(SQS) + "\"team\", \"Value\": \"orders\"}, {\"Key\": \"env\", \"Value\": \"dev\"}]}");
        assertThat(spec.node("Tags")).hasToString("{\"team\":\"orders\",\"env\":\"dev\"}");
        assertThatThrownBy(() -> spec("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", \"Tags\": [{\"Key\": "
                .formatted(SQS) + "\"team\"}]}"))
                .hasMessageStartingWith("Invalid value for EventSourceMappings[0].Tags[0]: {\"Key\":\"team\"}.");
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", "
                + "\"KmsKeyArn\": \"arn:aws:kms:us-east-1:000000000000:key/k\"}").formatted(SQS))))
                .hasMessageContaining("KMSKeyArn").hasMessageContaining("FilterCriteria with this key");
    }

    @Test
    void readsJson() {
        WorkerFile file = WorkerFile.parse("""
                {"EventSourceMappings": [{"EventSourceArn": "%s", "FunctionName": "orders", "Enabled": false,
                  "StartingPositionTimestamp": 1796486400}]}
                """.formatted(KINESIS), false);
        MappingSpec spec = file.mappings().get(0);
        assertThat(spec.enabled()).isFalse();
        assertThat(spec.timestamp("StartingPositionTimestamp")).isEqualTo(Instant.ofEpochSecond(1796486400));
    }

    @Test
    void unknownFieldIsRejectedNamingFieldValueAndTheAllowedFields() {
        assertThatThrownBy(() -> WorkerFile.parse("""
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: orders
                    BatchSise: 10
                """.formatted(SQS), true))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageContaining("EventSourceMappings[0].BatchSise")
                .hasMessageContaining(": 10.")
                .hasMessageContaining("Unknown field")
                .hasMessageContaining("BatchSize, FilterCriteria");
        assertThatThrownBy(() -> WorkerFile.parse("Mappings: []", true))
                .hasMessageContaining("Mappings").hasMessageContaining("EventSourceMappings");
        assertThatThrownBy(() -> WorkerFile.parse("""
                Functions: {f: {Url: "http://h/x", Retries: 3}}
                """, true))
                .hasMessageContaining("Functions.f.Retries").hasMessageContaining("MaximumConcurrency, Timeout");
        assertThatThrownBy(() -> WorkerFile.parse("Endpoints: {sqs2: http://h}", true))
                .hasMessageContaining("Endpoints.sqs2").hasMessageContaining("kinesis, lambda");
    }

    @Test
    void wrongTypesAreRejectedWithTheExpectedType() {
        assertThatThrownBy(() -> spec("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", \"BatchSize\": \"ten\"}"
                .formatted(SQS)))
                .hasMessage("Invalid value for EventSourceMappings[0].BatchSize: \"ten\". Expected an integer.");
        assertThatThrownBy(() -> spec("{\"EventSourceArn\": \"%s\"}".formatted(SQS)))
                .hasMessageContaining("FunctionName").hasMessageContaining("required");
        assertThatThrownBy(() -> WorkerFile.parse("{\"Functions\": {\"f\": {\"Url\": \"ftp://x\"}}}", false))
                .hasMessageContaining("Functions.f.Url").hasMessageContaining("ftp://x")
                .hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> WorkerFile.parse("{\"Functions\": {\"f\": {\"Url\": \"http://x\", \"Timeout\": 0}}}",
                false))
                .hasMessageContaining("Functions.f.Timeout").hasMessageContaining("from 1 to 900");
    }

    /** Only a Java handler runs code of the user's that may pin a carrier: it alone may ask for platform threads. */
    @Test
    void handlerThreadsIsReadForJavaHandlersOnly() {
        WorkerFile file = WorkerFile.parse("""
                Functions:
                  pinned: {Handler: io.esm4j.worker.TestKinesisHandler, HandlerThreads: PLATFORM}
                  virtual: {Handler: io.esm4j.worker.TestKinesisHandler, HandlerThreads: VIRTUAL}
                  plain: {Handler: io.esm4j.worker.TestKinesisHandler}
                  orders: {Url: "http://127.0.0.1:8081/orders"}
                """, true);
        assertThat(file.functions().resolve("pinned").handlerThreads()).isEqualTo(HandlerThreads.PLATFORM);
        assertThat(file.functions().resolve("virtual").handlerThreads()).isEqualTo(HandlerThreads.VIRTUAL);
        assertThat(file.functions().resolve("plain").handlerThreads()).isEqualTo(HandlerThreads.VIRTUAL);
        assertThat(file.functions().resolve("orders").handlerThreads()).isEqualTo(HandlerThreads.VIRTUAL);

        assertThatThrownBy(() -> WorkerFile.parse("Functions: {f: {Lambda: f, HandlerThreads: PLATFORM}}", true))
                .isInstanceOfSatisfying(InvalidMappingException.class,
                        e -> assertThat(e.field()).isEqualTo("Functions.f.HandlerThreads"))
                .hasMessage("Invalid value for Functions.f.HandlerThreads: PLATFORM. HandlerThreads applies only to "
                        + "Handler targets: the worker calls a Lambda target through its HTTP client, which lets go "
                        + "of the thread's carrier while it waits; only a Java handler's own code can pin one.");
        assertThatThrownBy(() -> WorkerFile.parse("Functions: {f: {Url: \"http://h/x\", HandlerThreads: VIRTUAL}}",
                true))
                .hasMessageStartingWith("Invalid value for Functions.f.HandlerThreads: VIRTUAL. HandlerThreads "
                        + "applies only to Handler targets: the worker calls a Url target");
    }

    @Test
    void handlerThreadsIsOneOfItsValues() {
        assertThatThrownBy(() -> WorkerFile.parse("Functions: {f: {Handler: a.B, HandlerThreads: platform}}", true))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessage("Invalid value for Functions.f.HandlerThreads: platform. Expected one of VIRTUAL, "
                        + "PLATFORM.");
        assertThatThrownBy(() -> WorkerFile.parse("{\"Functions\": {\"f\": {\"Handler\": \"a.B\", "
                + "\"HandlerThreads\": 2}}}", false))
                .hasMessage("Invalid value for Functions.f.HandlerThreads: 2. Expected one of VIRTUAL, PLATFORM.");
    }

    /** A URL that is refused may carry a password or a token: the error shows where it points, never them. */
    @Test
    void aRefusedUrlIsQuotedWithoutItsPasswordOrQuery() {
        assertThatThrownBy(() -> WorkerFile.parse("{\"Functions\": {\"f\": {\"Url\": \"ftp://u:hunter2@h/x?t=tok\"}}}",
                false))
                .hasMessage("Invalid value for Functions.f.Url: ftp://...@h/x?.... Expected an http:// or https:// URL "
                        + "with a host.");
        assertThatThrownBy(() -> WorkerFile.parse("Endpoints: {sqs: \"http://u:hunter2@ho st:9324\"}", true))
                .hasMessageContaining("Endpoints.sqs: http://...@ho st:9324.").message().doesNotContain("hunter2");
        assertThatThrownBy(() -> WorkerFile.parse("Endpoints: {sqs2: \"http://u:hunter2@h\"}", true))
                .hasMessageContaining("Endpoints.sqs2: http://...@h.").message().doesNotContain("hunter2");
        assertThatThrownBy(() -> WorkerFile.parse("{\"Functions\": {\"f\": {\"Lambda\": \"f\", \"Endpoint\": "
                + "\"https://u:hunter2@/\"}}}", false))
                .hasMessageContaining("Functions.f.Endpoint: https://...@/.").message().doesNotContain("hunter2");
        WorkerFile file = WorkerFile.parse("{}", false);
        assertThatThrownBy(() -> file.functions().resolve("http://u:hunter2@:80/x#frag"))
                .hasMessageContaining("FunctionName: http://...@:80/x?...").message().doesNotContain("hunter2")
                .doesNotContain("frag");
    }

    /** YAML and JSON parsers let the last of two equal keys win; a mappings file says so instead. */
    @Test
    void aKeyGivenTwiceInOneObjectIsRefused() {
        assertThatThrownBy(() -> WorkerFile.parse("""
                EventSourceMappings:
                  - EventSourceArn: %s
                    FunctionName: orders
                    BatchSize: 5
                    BatchSize: 500
                """.formatted(SQS), true))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessage("the file has the key BatchSize twice in one object (line 5). Expected each key once: "
                        + "the second would replace the first.");
        assertThatThrownBy(() -> WorkerFile.parse("{\"Functions\": {\"f\": {\"Url\": \"http://h/a\"}, "
                + "\"f\": {\"Url\": \"http://h/b\"}}}", false))
                .hasMessageStartingWith("the file has the key f twice in one object");
    }

    /**
     * A FunctionName that is no name of the Functions, no URL and no Lambda function name (a handler's class name, a
     * typo with a dot) is refused as Lambda refuses it, listing the Functions' names, instead of being invoked at
     * Lambda for ever.
     */
    @Test
    void aFunctionNameLambdaWouldRefuseIsRefusedListingTheFunctions() {
        WorkerFile file = WorkerFile.parse("{\"Functions\": {\"orders\": {\"Url\": \"http://h/o\"}, "
                + "\"clicks\": {\"Handler\": \"com.example.ClicksHandler\"}}}", false);
        assertThatThrownBy(() -> file.functions().resolve("com.example.ClicksHandler"))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessageStartingWith("Invalid value for FunctionName: com.example.ClicksHandler. Expected a name "
                        + "under the worker's Functions (clicks, orders), an http:// or https:// URL, or a Lambda "
                        + "function's name, partial ARN or ARN");
        assertThatThrownBy(() -> file.functions().resolve("x".repeat(141))).hasMessageContaining("140 characters");
        for (String valid : List.of("orders-2", "my_function:prod", "my-function:$LATEST", "123456789012:function:f",
                "arn:aws:lambda:us-east-1:123456789012:function:f", "arn:aws-cn:lambda:cn-north-1:123456789012:"
                        + "function:f:7", "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f")) {
            assertThat(file.functions().resolve(valid).kind()).as(valid).isEqualTo(FunctionSpec.Kind.LAMBDA);
        }
        assertThatThrownBy(() -> WorkerFile.parse("{\"Functions\": {\"f\": {\"Lambda\": \"my function\"}}}",
                false))
                .hasMessageStartingWith("Invalid value for Functions.f.Lambda: my function. Expected a Lambda "
                        + "function's name");
    }

    /** A syntax error says where it is, and in which file. */
    @Test
    void aSyntaxErrorNamesTheFileLineAndColumn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory)
            throws Exception {
        assertThatThrownBy(() -> WorkerFile.parse("{\"EventSourceMappings\": [\n  {\"FunctionName\": \"f\",}]}",
                false))
                .hasMessageStartingWith("the file is not valid JSON (line 2, column 24): Unexpected character");
        java.nio.file.Path yaml = directory.resolve("mappings.yaml");
        java.nio.file.Files.writeString(yaml, "EventSourceMappings:\n  - FunctionName: f\n   BatchSize: [1\n");
        assertThatThrownBy(() -> WorkerFile.read(yaml))
                .hasMessageStartingWith("the file " + yaml + " is not valid YAML (line ");
    }

    /** The README: YAML for .yaml and .yml; a mappings.YAML was read as JSON and refused as invalid JSON. */
    @Test
    void theYamlExtensionIsTakenInAnyCase(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory)
            throws Exception {
        java.nio.file.Path yaml = directory.resolve("MAPPINGS.YML");
        java.nio.file.Files.writeString(yaml, "EventSourceMappings: []\n");
        assertThat(WorkerFile.read(yaml).mappings()).isEmpty();
    }

    /** The parsers quote the line (YAML) or the token (JSON) they stopped at, which may hold a URL's password. */
    @Test
    void aSyntaxErrorDoesNotQuoteTheFile() {
        assertThatThrownBy(() -> WorkerFile.parse("Endpoints:\n  sqs: http://u:hunter2@h:1\n   lambda: [x\n", true))
                .hasMessage("the file is not valid YAML (line 3, column 10): mapping values are not allowed here");
        assertThatThrownBy(() -> WorkerFile.parse("{\"Endpoints\": {\"sqs\": hunter2}}", false))
                .hasMessageStartingWith("the file is not valid JSON (line 1, column 23): Unrecognized token: was "
                        + "expecting").message().doesNotContain("hunter2");
    }

    @Test
    void rangesComeFromEsmCoreSettings() {
        assertThatThrownBy(() -> factories.forMapping(spec(
                "{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", \"BatchSize\": 0}".formatted(SQS))))
                .hasMessage("Invalid value for BatchSize: 0. Expected an integer from 1 to 10,000.");
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", "
                + "\"StartingPosition\": \"LATEST\", \"ParallelizationFactor\": 11}").formatted(KINESIS))))
                .hasMessage("Invalid value for ParallelizationFactor: 11. Expected an integer from 1 to 10.");
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", "
                + "\"ScalingConfig\": {\"MaximumConcurrency\": 1}}").formatted(SQS))))
                .hasMessage("Invalid value for ScalingConfig.MaximumConcurrency: 1. Expected an integer from 2 to "
                        + "1,000.");
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", "
                + "\"StartingPosition\": \"OLDEST\"}").formatted(KINESIS))))
                .hasMessage("Invalid value for StartingPosition: OLDEST. Expected one of [TRIM_HORIZON, LATEST, "
                        + "AT_TIMESTAMP].");
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\"}")
                .formatted(KINESIS))))
                .hasMessageContaining("StartingPosition is required");
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", "
                + "\"FunctionResponseTypes\": [\"Partial\"]}").formatted(SQS))))
                .hasMessageContaining("FunctionResponseTypes").hasMessageContaining("[Partial]")
                .hasMessageContaining("ReportBatchItemFailures");
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", "
                + "\"FilterCriteria\": {\"Filters\": [{\"Pattern\": \"{not json\"}]}}").formatted(SQS))))
                .hasMessageContaining("FilterCriteria");
    }

    @Test
    void fieldsOfOtherSourcesAreRejectedForThisSource() {
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", "
                + "\"Topics\": [\"t\"]}").formatted(SQS))))
                .hasMessageContaining("Topics is not valid for SQS event sources")
                .hasMessageContaining("BatchSize");
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", "
                + "\"StartingPosition\": \"LATEST\"}").formatted(SQS))))
                .hasMessageContaining("StartingPosition is not valid for SQS event sources");
        assertThatThrownBy(() -> factories.forMapping(spec(
                "{\"EventSourceArn\": \"arn:aws:mq:us-east-1:0:broker:b:1\", \"FunctionName\": \"f\"}")))
                .hasMessageContaining("EventSourceArn").hasMessageContaining("SQS, Kinesis, DynamoDB Streams, Kafka");
        assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", "
                + "\"StartingPosition\": \"LATEST\", \"DestinationConfig\": {\"OnSuccess\": {\"Destination\": "
                + "\"arn:aws:sqs:us-east-1:0:q\"}}}").formatted(KINESIS))))
                .hasMessageContaining("DestinationConfig.OnSuccess.Destination")
                .hasMessageContaining("not supported for event source mappings")
                .hasMessageContaining("asynchronous invocations");
    }

    /** A queue URL or stream call built from an account that is not 12 digits fails every start: refused instead. */
    @Test
    void aSourceArnWithoutA12DigitAccountIsRefused() {
        assertThatThrownBy(() -> factories.forMapping(spec(
                "{\"EventSourceArn\": \"arn:aws:sqs:us-east-1:123:q\", \"FunctionName\": \"f\"}")))
                .hasMessage("Invalid value for EventSourceArn: arn:aws:sqs:us-east-1:123:q. Expected an SQS queue ARN: "
                        + "arn:<partition>:sqs:<region>:<account, 12 digits>:<queue name>.");
        for (String arn : List.of("arn:aws:kinesis:us-east-1:1234567890123:stream/s",
                "arn:aws:dynamodb:us-east-1::table/t/stream/1",
                "arn:aws:kafka:us-east-1:12345:cluster/c/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e-2")) {
            assertThatThrownBy(() -> factories.forMapping(spec(("{\"EventSourceArn\": \"%s\", \"FunctionName\": "
                    + "\"f\", \"StartingPosition\": \"LATEST\"%s}").formatted(arn,
                    arn.contains("kafka") ? ", \"Topics\": [\"t\"]" : ""))))
                    .as(arn).hasMessageContaining("Invalid value for EventSourceArn: " + arn)
                    .hasMessageContaining("<account, 12 digits>");
        }
        // A local server's own region name is taken: ElasticMQ's queues are in "elasticmq".
        factories.forMapping(spec("{\"EventSourceArn\": \"arn:aws:sqs:elasticmq:000000000000:q\", "
                + "\"FunctionName\": \"f\"}"));
    }

    @Test
    void mergeAppliesAnUpdateAndChecksItsFields() {
        MappingSpec spec = spec("{\"EventSourceArn\": \"%s\", \"FunctionName\": \"f\", \"BatchSize\": 5}"
                .formatted(SQS));
        MappingSpec updated = spec.merge(io.esm4j.worker.http.TestJson.parse("{\"BatchSize\": 7, \"Enabled\": false}"));
        assertThat(updated.integer("BatchSize")).isEqualTo(7);
        assertThat(updated.enabled()).isFalse();
        assertThat(spec.integer("BatchSize")).isEqualTo(5);
        assertThatThrownBy(() -> spec.merge(io.esm4j.worker.http.TestJson.parse("{\"Size\": 7}")))
                .hasMessageContaining("Size");
    }

    private static MappingSpec spec(String json) {
        List<MappingSpec> mappings = WorkerFile.parse("{\"EventSourceMappings\": [" + json + "]}", false).mappings();
        return mappings.get(0);
    }
}

package io.esm4j.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.worker.config.Endpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.CreateEventSourceMappingResponse;
import software.amazon.awssdk.services.lambda.model.EndPointType;
import software.amazon.awssdk.services.lambda.model.EventSourceMappingConfiguration;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceInUseException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.SelfManagedEventSource;

/** Lambda's event source mapping API, through the AWS SDK's own LambdaClient, against an in-process worker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MappingsApiTest {

    private ElasticMq elasticMq;
    private RecordingFunction function;
    private Path dataDirectory;
    private Worker worker;
    private LambdaClient lambda;

    @BeforeAll
    void start() throws Exception {
        elasticMq = new ElasticMq();
        function = new RecordingFunction();
        dataDirectory = Files.createTempDirectory("esm4j-api-test");
        startWorker();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            stopWorker();
        } finally {
            function.close();
            elasticMq.close();
        }
    }

    /**
     * Tests use queues of their own, so a mapping still draining (State Deleting) disturbs no other test. One whose
     * last update is still being applied refuses the delete for now (ResourceInUseException), as Lambda does.
     */
    @AfterEach
    void deleteMappings() {
        for (EventSourceMappingConfiguration mapping : lambda.listEventSourceMappingsPaginator()
                .eventSourceMappings()) {
            if (!mapping.state().equals("Deleting")) {
                await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                        .ignoreException(ResourceInUseException.class)
                        .until(() -> lambda.deleteEventSourceMapping(r -> r.uuid(mapping.uuid())) != null);
            }
        }
    }

    private void startWorker() throws Exception {
        worker = Worker.start(WorkerOptions.defaults().withDataDirectory(dataDirectory).withListen("127.0.0.1", 0)
                .withEndpoints(Endpoints.none().with("sqs", elasticMq.endpoint))
                .withAws(Region.US_EAST_1, ElasticMq.CREDENTIALS).withDrainTimeout(Duration.ofSeconds(10)));
        lambda = LambdaClient.builder().endpointOverride(worker.url()).region(Region.US_EAST_1)
                .credentialsProvider(ElasticMq.CREDENTIALS).build();
    }

    private void stopWorker() throws Exception {
        try (AutoCloseable ending = elasticMq.endingLongPolls()) {
            lambda.close();
            worker.close();
        }
    }

    @Test
    void createGetAndRecordsFlow() {
        String arn = elasticMq.queue("api-flow", 30);
        CreateEventSourceMappingResponse created = lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString()).batchSize(5).maximumBatchingWindowInSeconds(1));

        assertThat(created.uuid()).isNotBlank();
        assertThat(created.eventSourceArn()).isEqualTo(arn);
        assertThat(created.batchSize()).isEqualTo(5);
        assertThat(created.state()).isEqualTo("Creating");
        assertThat(created.lastModified()).isNotNull();
        assertThat(created.eventSourceMappingArn()).endsWith(":event-source-mapping:" + created.uuid());
        assertThat(created.responseMetadata().requestId()).isNotEqualTo("UNKNOWN")
                .isNotEqualTo(lambda.getEventSourceMapping(r -> r.uuid(created.uuid())).responseMetadata().requestId());
        await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(created.uuid()))
                .state().equals("Enabled"));

        IntStream.range(0, 12).forEach(i -> elasticMq.send("api-flow", "api-" + i));
        await().atMost(Duration.ofSeconds(60)).until(() -> function.distinct.containsAll(
                IntStream.range(0, 12).mapToObj(i -> "api-" + i).toList()));
        assertThat(function.batchSizes).allMatch(size -> size <= 5);
        await().atMost(Duration.ofSeconds(30)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(created.uuid()))
                .lastProcessingResult().equals("OK"));
    }

    /** Lambda answers every create with Creating, whatever the mapping shows a moment later (Disabled here). */
    @Test
    void aCreateAnswersCreatingAsLambdaDoes() {
        String arn = elasticMq.queue("api-create-state", 30);
        CreateEventSourceMappingResponse created = lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString()).enabled(false));

        assertThat(created.state()).isEqualTo("Creating");
        await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(created.uuid()))
                .state().equals("Disabled"));
    }

    @Test
    void defaultsAreReportedAsLambdaReportsThem() {
        String arn = elasticMq.queue("api-defaults", 30);
        CreateEventSourceMappingResponse created = lambda.createEventSourceMapping(r -> r
                .eventSourceArn(arn).functionName(function.url().toString()));

        assertThat(created.batchSize()).isEqualTo(10);
        assertThat(created.maximumBatchingWindowInSeconds()).isZero();
        assertThat(created.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:" + function.url());
        assertThat(created.stateTransitionReason()).isEqualTo("USER_INITIATED");
        assertThat(created.hasFunctionResponseTypes()).isTrue();
        assertThat(created.functionResponseTypes()).isEmpty();
    }

    /** As Lambda describes a stream mapping: code such as destinationConfig().onFailure() works on its answer. */
    @Test
    void aStreamMappingReportsAnEmptyOnFailureAndNoFunctionResponseTypesAsLambdaDoes() {
        String uuid = lambda.createEventSourceMapping(r -> r
                .eventSourceArn("arn:aws:kinesis:us-east-1:000000000000:stream/api-stream-defaults")
                .functionName(function.url().toString()).startingPosition("LATEST").enabled(false)).uuid();

        var mapping = lambda.getEventSourceMapping(r -> r.uuid(uuid));
        assertThat(mapping.destinationConfig()).isNotNull();
        assertThat(mapping.destinationConfig().onFailure()).isNotNull();
        assertThat(mapping.destinationConfig().onFailure().destination()).isNull();
        assertThat(mapping.hasFunctionResponseTypes()).isTrue();
        assertThat(mapping.functionResponseTypes()).isEmpty();
        assertThat(mapping.maximumRetryAttempts()).isEqualTo(-1);
        assertThat(mapping.maximumRecordAgeInSeconds()).isEqualTo(-1);
        assertThat(mapping.parallelizationFactor()).isEqualTo(1);
        assertThat(mapping.startingPosition()).hasToString("LATEST");
        assertThat(mapping.scalingConfig()).isNull();
        assertThat(mapping.stateTransitionReason()).isEqualTo("User action");
    }

    @Test
    void anUpdateWithAnEmptyFilterCriteriaRemovesTheFiltersAndGetShowsNone() {
        String uuid = lambda.createEventSourceMapping(r -> r
                .eventSourceArn("arn:aws:sqs:us-east-1:000000000000:api-filters-removed")
                .functionName(function.url().toString()).enabled(false)
                .filterCriteria(f -> f.filters(p -> p.pattern("{\"body\": {\"type\": [\"order\"]}}")))).uuid();
        assertThat(lambda.getEventSourceMapping(r -> r.uuid(uuid)).filterCriteria().filters()).hasSize(1);

        lambda.updateEventSourceMapping(r -> r.uuid(uuid).filterCriteria(f -> { }));

        assertThat(lambda.getEventSourceMapping(r -> r.uuid(uuid)).filterCriteria()).isNull();
    }

    @Test
    void listFiltersAndPaginates() {
        List<String> arns = IntStream.range(0, 3).mapToObj(i -> elasticMq.queue("api-list-" + i, 30)).toList();
        String name = function.url() + "?list";
        arns.forEach(arn -> lambda.createEventSourceMapping(r -> r.eventSourceArn(arn).functionName(name)
                .enabled(false)));

        assertThat(lambda.listEventSourceMappings(r -> r.eventSourceArn(arns.get(1))).eventSourceMappings())
                .extracting(EventSourceMappingConfiguration::eventSourceArn).containsExactly(arns.get(1));
        assertThat(lambda.listEventSourceMappingsPaginator(r -> r.functionName(name).maxItems(2))
                .eventSourceMappings().stream().map(EventSourceMappingConfiguration::eventSourceArn).toList())
                .containsExactlyElementsOf(arns);
        assertThat(lambda.listEventSourceMappings(r -> r.functionName(name).maxItems(2)).nextMarker()).isNotNull();
        assertThat(lambda.listEventSourceMappings(r -> r.functionName("other")).eventSourceMappings()).isEmpty();
        assertThat(lambda.listEventSourceMappings(r -> r.functionName("arn:aws:lambda:us-east-1:000000000000:function:"
                + name)).eventSourceMappings()).hasSize(3);
        assertThat(lambda.listEventSourceMappings(r -> r.functionName(name)).eventSourceMappings())
                .allMatch(mapping -> mapping.state().equals("Disabled"));
    }

    /**
     * As Lambda checks EventSourceArn against its pattern: a value that is no ARN (a queue URL, a name) is refused
     * with ValidationException, not answered with an empty list; an ARN of no mapping, a local server's region
     * included, and a FunctionName of no mapping (Lambda's answer too, and the worker cannot tell which Lambda
     * functions exist) are an empty list.
     */
    @Test
    void aListByAnEventSourceArnThatIsNoArnIsRefusedWithValidationExceptionAsInLambda() {
        for (String notAnArn : List.of("orders", "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
                "arn:aws:sqs:us-east-1:1234:orders")) {
            assertThatThrownBy(() -> lambda.listEventSourceMappings(r -> r.eventSourceArn(notAnArn)))
                    .as(notAnArn).isInstanceOfSatisfying(LambdaException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(400);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                    })
                    .hasMessageContaining("1 validation error detected: Value '" + notAnArn + "' at 'eventSourceArn' "
                            + "failed to satisfy constraint: Member must satisfy regular expression pattern: arn:");
        }
        for (String arn : List.of("arn:aws:sqs:us-east-1:123456789012:no-mapping",
                "arn:aws:sqs:elasticmq:000000000000:no-mapping")) {
            assertThat(lambda.listEventSourceMappings(r -> r.eventSourceArn(arn)).eventSourceMappings()).as(arn)
                    .isEmpty();
        }
        assertThat(lambda.listEventSourceMappings(r -> r.functionName("no-such-function")).eventSourceMappings())
                .isEmpty();
    }

    @Test
    void aListPageHoldsAtMost100MappingsWhateverMaxItemsSaysAsInLambda() {
        String name = function.url() + "?paging";
        IntStream.range(0, 101).forEach(i -> lambda.createEventSourceMapping(r -> r
                .eventSourceArn("arn:aws:sqs:us-east-1:000000000000:api-page-" + i).functionName(name)
                .enabled(false)));

        var page = lambda.listEventSourceMappings(r -> r.functionName(name).maxItems(10_000));

        assertThat(page.eventSourceMappings()).hasSize(100);
        assertThat(page.nextMarker()).isNotNull();
        assertThat(lambda.listEventSourceMappings(r -> r.functionName(name).marker(page.nextMarker()))
                .eventSourceMappings()).hasSize(1);
    }

    @Test
    void updateChangesSettingsAndEnabled() throws Exception {
        String arn = elasticMq.queue("api-update", 30);
        String uuid = lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString())).uuid();
        await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid))
                .state().equals("Enabled"));

        try (AutoCloseable ending = elasticMq.endingLongPolls("api-update")) {
            var updated = lambda.updateEventSourceMapping(r -> r.uuid(uuid).batchSize(3).enabled(false));

            // As Lambda answers an update that turns the mapping off (or on): not Updating.
            assertThat(updated.state()).isEqualTo("Disabling");
            assertThat(updated.batchSize()).isEqualTo(3);
            await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid))
                    .state().equals("Disabled"));
        }
        // Refused while the mapping still drains towards Disabled, as Lambda refuses it then.
        List<String> enabling = new java.util.ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).ignoreException(ResourceInUseException.class).until(() ->
                enabling.add(lambda.updateEventSourceMapping(r -> r.uuid(uuid).enabled(true)).state()));
        assertThat(enabling).containsExactly("Enabling");
        await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid))
                .state().equals("Enabled"));
        assertThat(lambda.getEventSourceMapping(r -> r.uuid(uuid)).batchSize()).isEqualTo(3);
    }

    @Test
    void anUpdateThatLeavesEnabledAsItIsAnswersUpdating() {
        String uuid = lambda.createEventSourceMapping(r -> r
                .eventSourceArn("arn:aws:sqs:us-east-1:000000000000:api-update-disabled")
                .functionName(function.url().toString()).enabled(false)).uuid();

        assertThat(lambda.updateEventSourceMapping(r -> r.uuid(uuid).batchSize(7)).state()).isEqualTo("Updating");
        await().atMost(Duration.ofSeconds(60)).ignoreException(ResourceInUseException.class).until(() ->
                lambda.updateEventSourceMapping(r -> r.uuid(uuid).enabled(false).batchSize(8)).state()
                        .equals("Updating"));
        assertThat(lambda.getEventSourceMapping(r -> r.uuid(uuid)).batchSize()).isEqualTo(8);
    }

    @Test
    void aListPageAfterAMarkerSkipsNothingWhenAMappingOfAnEarlierPageIsDeletedMeanwhile() {
        String name = function.url() + "?marker";
        List<String> arns = IntStream.range(0, 3).mapToObj(i -> "arn:aws:sqs:us-east-1:000000000000:api-marker-" + i)
                .toList();
        arns.forEach(arn -> lambda.createEventSourceMapping(r -> r.eventSourceArn(arn).functionName(name)
                .enabled(false)));
        var first = lambda.listEventSourceMappings(r -> r.functionName(name).maxItems(2));
        assertThat(first.eventSourceMappings()).extracting(EventSourceMappingConfiguration::eventSourceArn)
                .containsExactly(arns.get(0), arns.get(1));

        String deleted = first.eventSourceMappings().get(0).uuid();
        lambda.deleteEventSourceMapping(r -> r.uuid(deleted));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThatThrownBy(() -> lambda.getEventSourceMapping(r -> r.uuid(deleted)))
                        .isInstanceOf(ResourceNotFoundException.class));

        var second = lambda.listEventSourceMappings(r -> r.functionName(name).maxItems(2)
                .marker(first.nextMarker()));
        assertThat(second.eventSourceMappings()).extracting(EventSourceMappingConfiguration::eventSourceArn)
                .containsExactly(arns.get(2));
        assertThat(second.nextMarker()).isNull();
        assertThatThrownBy(() -> lambda.listEventSourceMappings(r -> r.marker("not-a-marker")))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("Marker");
    }

    @Test
    void aPartialArnAsFunctionNameIsTheFunctionOfThatAccountAsInLambda() {
        String arn = "arn:aws:sqs:us-east-1:000000000000:api-partial-arn";
        CreateEventSourceMappingResponse created = lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName("123456789012:function:api-partial").enabled(false));

        assertThat(created.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:api-partial");
        for (String name : List.of("api-partial", "123456789012:function:api-partial",
                "arn:aws:lambda:us-east-1:123456789012:function:api-partial")) {
            assertThat(lambda.listEventSourceMappings(r -> r.functionName(name)).eventSourceMappings())
                    .as(name).extracting(EventSourceMappingConfiguration::uuid).containsExactly(created.uuid());
        }
    }

    @Test
    void anUpdateOrDeleteWhileTheLastUpdateIsStillBeingAppliedIsRefusedWithResourceInUseException()
            throws Exception {
        String arn = elasticMq.queue("api-in-use", 30);
        String uuid = lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString())).uuid();
        await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid))
                .state().equals("Enabled"));
        function.entered.drainPermits();
        function.hold();
        try {
            elasticMq.send("api-in-use", "held");
            // A batch in flight: the replaced mapping drains until the function is released (or --drain-timeout).
            await().atMost(Duration.ofSeconds(60)).until(function.entered::tryAcquire);
            lambda.updateEventSourceMapping(r -> r.uuid(uuid).batchSize(3));

            assertThatThrownBy(() -> lambda.updateEventSourceMapping(r -> r.uuid(uuid).batchSize(4)))
                    .isInstanceOf(ResourceInUseException.class)
                    .hasMessageContaining("because it is in use")
                    .satisfies(e -> assertThat(((ResourceInUseException) e).statusCode()).isEqualTo(400));
            assertThatThrownBy(() -> lambda.deleteEventSourceMapping(r -> r.uuid(uuid)))
                    .isInstanceOf(ResourceInUseException.class);
        } finally {
            function.release();
        }
        try (AutoCloseable ending = elasticMq.endingLongPolls("api-in-use")) {
            await().atMost(Duration.ofSeconds(60)).ignoreException(ResourceInUseException.class)
                    .until(() -> lambda.updateEventSourceMapping(r -> r.uuid(uuid).batchSize(4)).batchSize() == 4);
            await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid))
                    .state().equals("Enabled"));
        }
    }

    @Test
    void deleteAnswersDeletingThenTheMappingIsGone() throws Exception {
        String arn = elasticMq.queue("api-delete", 30);
        String uuid = lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString())).uuid();

        // The stop waits for a long poll in flight (up to the drain timeout): ended at once, so the test need not.
        try (AutoCloseable ending = elasticMq.endingLongPolls("api-delete")) {
            assertThat(lambda.deleteEventSourceMapping(r -> r.uuid(uuid)).state()).isEqualTo("Deleting");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThatThrownBy(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid)))
                            .isInstanceOf(ResourceNotFoundException.class));
        }
    }

    @Test
    void errorsHaveLambdasTypesAndSayWhatWasWrong() {
        String arn = elasticMq.queue("api-errors", 30);
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString()).batchSize(20_000)))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("Invalid value for BatchSize: 20000. Expected an integer from 1 to 10,000.")
                .satisfies(e -> assertThat(((InvalidParameterValueException) e).statusCode()).isEqualTo(400));
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString()).startingPosition("LATEST")))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("StartingPosition is not valid for SQS event sources");
        // Lambda's own wording first, then which filter and field, and what is wrong with it.
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString())
                .filterCriteria(f -> f.filters(p -> p.pattern("{\"body\": {\"a\": [{\"numeric\": [\"!=\", 1]}]}}")))))
                .isInstanceOf(InvalidParameterValueException.class)
                .satisfies(e -> assertThat(((InvalidParameterValueException) e).awsErrorDetails().errorMessage())
                        .startsWith("Invalid filter pattern definition. Filter 1, field body.a: numeric comparator"));
        assertThatThrownBy(() -> lambda.getEventSourceMapping(r -> r.uuid("no-such-uuid")))
                .isInstanceOf(ResourceNotFoundException.class)
                .satisfies(e -> assertThat(((ResourceNotFoundException) e).statusCode()).isEqualTo(404));
        lambda.createEventSourceMapping(r -> r.eventSourceArn(arn).functionName(function.url().toString()));
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString())))
                .isInstanceOf(ResourceConflictException.class)
                .hasMessageContaining("already exists");
    }

    /**
     * A URL's password and token stay in the worker: the API shows the URL masked in FunctionArn (Create, Get, List,
     * Update) and in errors, while the worker still invokes the whole URL. What the client read works when passed
     * back: as List's FunctionName filter, and as an Update's FunctionName, which keeps the whole URL rather than
     * turning it into the masked one. A masked URL that is no mapping's own is refused, not invoked without password.
     */
    @Test
    void aUrlsPasswordAndTokenNeverLeaveThroughTheApiAndWhatItShowsCanBePassedBack() {
        String arn = elasticMq.queue("api-secret-url", 30);
        int port = function.url().getPort();
        String url = "http://alice:pa55word@127.0.0.1:" + port + "/fn?token=s3cr3t";
        String shown = "arn:aws:lambda:us-east-1:000000000000:function:http://...@127.0.0.1:" + port + "/fn?...";
        CreateEventSourceMappingResponse created = lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(url).batchSize(1));

        assertThat(created.functionArn()).isEqualTo(shown);
        assertThat(lambda.getEventSourceMapping(r -> r.uuid(created.uuid())).functionArn()).isEqualTo(shown);
        for (String filter : List.of(url, shown, "http://...@127.0.0.1:" + port + "/fn?...")) {
            assertThat(lambda.listEventSourceMappings(r -> r.functionName(filter)).eventSourceMappings())
                    .as(filter).extracting(EventSourceMappingConfiguration::uuid).containsExactly(created.uuid());
        }
        assertThat(lambda.listEventSourceMappings(r -> r.eventSourceArn(arn)).toString()).doesNotContain("pa55word")
                .doesNotContain("s3cr3t");
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.eventSourceArn(arn).functionName(url)))
                .isInstanceOf(ResourceConflictException.class).hasMessageContaining(created.uuid())
                .message().doesNotContain("pa55word").doesNotContain("s3cr3t");
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName("http://...@127.0.0.1:" + port + "/other?...")))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("pass the whole URL");

        // As in Lambda, a mapping still Creating cannot be updated: a client waits for its start by polling Get.
        await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(created.uuid()))
                .state().equals("Enabled"));
        var updated = lambda.updateEventSourceMapping(r -> r.uuid(created.uuid()).functionName(shown).batchSize(2));
        assertThat(updated.functionArn()).isEqualTo(shown);
        assertThat(updated.batchSize()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(created.uuid()))
                .state().equals("Enabled"));
        elasticMq.send("api-secret-url", "secret-url-1");
        await().atMost(Duration.ofSeconds(60)).until(() -> function.distinct.contains("secret-url-1"));
        assertThat(function.authorizations).contains("Basic " + java.util.Base64.getEncoder().encodeToString(
                "alice:pa55word".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** As in Lambda, a function is one whether named by its name, its ARN or its partial ARN. */
    @Test
    void aSourceMappedToAFunctionByNameCannotBeMappedAgainToItsArn() {
        String arn = "arn:aws:sqs:us-east-1:000000000000:api-pair-by-arn";
        String uuid = lambda.createEventSourceMapping(r -> r.eventSourceArn(arn).functionName("api-pair")
                .enabled(false)).uuid();

        for (String same : List.of("arn:aws:lambda:us-east-1:000000000000:function:api-pair",
                "000000000000:function:api-pair")) {
            assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.eventSourceArn(arn).functionName(same)
                    .enabled(false)))
                    .as(same).isInstanceOf(ResourceConflictException.class).hasMessageContaining(uuid);
        }
        assertThat(lambda.createEventSourceMapping(r -> r.eventSourceArn(arn).functionName("api-pair:live")
                .enabled(false)).uuid()).isNotEqualTo(uuid);
    }

    @Test
    void aPathThatOnlyStartsWithTheApisPathIsNotAMapping() throws Exception {
        String uuid = lambda.createEventSourceMapping(r -> r
                .eventSourceArn("arn:aws:sqs:us-east-1:000000000000:api-path-prefix")
                .functionName(function.url().toString()).enabled(false)).uuid();
        HttpClient http = HttpClient.newHttpClient();

        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(worker.url()
                + "/2015-03-31/event-source-mappings" + uuid)).DELETE().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.body()).contains("not a path of the event source mapping API");
        assertThat(lambda.getEventSourceMapping(r -> r.uuid(uuid)).state()).isEqualTo("Disabled");
    }

    /**
     * The members of Lambda's error shape for each code (Type, and Message or message as its API model names it),
     * which boto3 exposes by those names.
     */
    @Test
    void anErrorHasTheCodeInItsHeaderAndTheMembersOfLambdasErrorShape() throws Exception {
        var notFound = rawError("GET", "no-such-uuid", "");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.headers().firstValue("X-Amzn-ErrorType")).contains("ResourceNotFoundException");
        assertThat(errorBody(notFound).path("Type").asText()).isEqualTo("User");
        assertThat(errorBody(notFound).path("Message").asText())
                .startsWith("The resource you requested does not exist.");

        var invalid = rawError("GET", "?MaxItems=0", "");
        assertThat(invalid.headers().firstValue("X-Amzn-ErrorType")).contains("InvalidParameterValueException");
        assertThat(errorBody(invalid).path("message").asText()).contains("MaxItems");

        String arn = "arn:aws:sqs:us-east-1:000000000000:api-error-shape";
        String create = "{\"EventSourceArn\": \"" + arn + "\", \"FunctionName\": \"api-error-shape\", "
                + "\"Enabled\": false}";
        assertThat(rawError("POST", "", create).statusCode()).isEqualTo(202);
        var conflict = rawError("POST", "", create);
        assertThat(conflict.headers().firstValue("X-Amzn-ErrorType")).contains("ResourceConflictException");
        assertThat(errorBody(conflict).path("message").asText()).contains("already exists");
        assertThat(errorBody(rawError("POST", "", "{not json")).path("message").asText())
                .startsWith("Could not parse request body into json");
    }

    private HttpResponse<String> rawError(String method, String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(worker.url()
                        + "/2015-03-31/event-source-mappings/" + path))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static com.fasterxml.jackson.databind.JsonNode errorBody(HttpResponse<String> answer) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body());
    }

    @Test
    void whatBuildingTheMappingChecksIsRefusedOnCreateAndUpdateNotAtEveryStart() {
        String fifo = "arn:aws:sqs:us-east-1:000000000000:api-build-checks.fifo";
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.eventSourceArn(fifo)
                .functionName(function.url().toString()).batchSize(20).maximumBatchingWindowInSeconds(1)))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("BatchSize").hasMessageContaining("FIFO");
        assertThatThrownBy(() -> lambda.createEventSourceMapping(r -> r.eventSourceArn(fifo)
                .functionName(function.url().toString())
                .filterCriteria(f -> f.filters(p -> p.pattern("{\"eventSource\": [\"aws:sqs\"]}")))))
                .isInstanceOf(InvalidParameterValueException.class).hasMessageContaining("FilterCriteria");
        String uuid = lambda.createEventSourceMapping(r -> r.eventSourceArn(fifo)
                .functionName(function.url().toString()).enabled(false)).uuid();

        assertThatThrownBy(() -> lambda.updateEventSourceMapping(r -> r.uuid(uuid).maximumBatchingWindowInSeconds(1)))
                .isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("MaximumBatchingWindowInSeconds")
                .satisfies(e -> assertThat(((InvalidParameterValueException) e).statusCode()).isEqualTo(400));
        assertThat(lambda.getEventSourceMapping(r -> r.uuid(uuid)).maximumBatchingWindowInSeconds()).isZero();
    }

    @Test
    void aRestartedWorkerResumesItsApiMappings() throws Exception {
        String arn = elasticMq.queue("api-restart", 3);
        String uuid = lambda.createEventSourceMapping(r -> r.eventSourceArn(arn)
                .functionName(function.url().toString()).batchSize(4)).uuid();
        await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid))
                .state().equals("Enabled"));

        stopWorker();
        startWorker();

        assertThat(lambda.getEventSourceMapping(r -> r.uuid(uuid)).batchSize()).isEqualTo(4);
        await().atMost(Duration.ofSeconds(60)).until(() -> lambda.getEventSourceMapping(r -> r.uuid(uuid))
                .state().equals("Enabled"));
        elasticMq.send("api-restart", "after-restart");
        await().atMost(Duration.ofSeconds(60)).until(() -> function.distinct.contains("after-restart"));
    }

    /**
     * A Kafka mapping takes MaximumBatchingWindowInSeconds as Lambda does (0 to 300 whole seconds, on create and
     * update) and reports it (KafkaMappingTest checks that it becomes the mapping's window). Left out, the window is
     * Lambda's 500 ms, which the field's whole seconds cannot say: it is left out of the description then.
     */
    @Test
    void aKafkaMappingsBatchingWindowIsTakenCheckedAndReported() {
        // Disabled mappings: nothing connects to this broker.
        SelfManagedEventSource brokers = SelfManagedEventSource.builder().endpoints(Map.of(
                EndPointType.KAFKA_BOOTSTRAP_SERVERS, List.of("127.0.0.1:9"))).build();
        CreateEventSourceMappingResponse created = lambda.createEventSourceMapping(r -> r.functionName("api-kafka")
                .selfManagedEventSource(brokers).topics("api-window").startingPosition("TRIM_HORIZON")
                .maximumBatchingWindowInSeconds(2).enabled(false));
        assertThat(created.maximumBatchingWindowInSeconds()).isEqualTo(2);
        assertThat(lambda.getEventSourceMapping(r -> r.uuid(created.uuid())).maximumBatchingWindowInSeconds())
                .isEqualTo(2);
        assertThat(lambda.listEventSourceMappings(r -> r.functionName("api-kafka")).eventSourceMappings())
                .singleElement().satisfies(m -> assertThat(m.maximumBatchingWindowInSeconds()).isEqualTo(2));
        assertThat(lambda.updateEventSourceMapping(r -> r.uuid(created.uuid()).maximumBatchingWindowInSeconds(300))
                .maximumBatchingWindowInSeconds()).isEqualTo(300);
        assertThat(lambda.getEventSourceMapping(r -> r.uuid(created.uuid())).maximumBatchingWindowInSeconds())
                .isEqualTo(300);
        assertThatThrownBy(() -> lambda.updateEventSourceMapping(r -> r.uuid(created.uuid())
                .maximumBatchingWindowInSeconds(301))).isInstanceOf(InvalidParameterValueException.class)
                .hasMessageContaining("MaximumBatchingWindowInSeconds").hasMessageContaining("301");

        CreateEventSourceMappingResponse byDefault = lambda.createEventSourceMapping(r -> r.functionName("api-kafka-2")
                .selfManagedEventSource(brokers).topics("api-window").startingPosition("TRIM_HORIZON").enabled(false));
        assertThat(byDefault.maximumBatchingWindowInSeconds()).isNull();
        assertThat(lambda.getEventSourceMapping(r -> r.uuid(byDefault.uuid())).maximumBatchingWindowInSeconds())
                .isNull();
    }
}

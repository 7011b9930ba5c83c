package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureRecord.ResponseContext;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.FunctionErrorException;
import io.esm4j.lease.Checkpoint;
import io.esm4j.testing.InMemoryStream;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A handler that invokes a real function reports the Invoke response (status code, executed version, function error)
 * and the failure record's {@code responseContext} shows it, for a thrown function error and for returned item
 * failures; a handler that says nothing keeps the in-process defaults (200, {@code $LATEST}).
 */
class ResponseContextTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryStream stream = InMemoryStream.create("versions", 1);
    private final List<StreamRecord<byte[]>> records = IntStream.range(0, 3).mapToObj(i -> stream.put("k", "r" + i))
            .toList();
    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final CollectingDestination destination = new CollectingDestination();

    /** Runs the records to the last checkpoint (every attempt failing) and returns the one record's responseContext. */
    private JsonNode responseContextOf(BatchHandler<StreamRecord<byte[]>> handler) throws Exception {
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("versions", stream, handler)
                .settings(Streams.fast().maximumRetryAttempts(1).reportBatchItemFailures(true).build())
                .leaseStore(store).onFailure(destination).build();
        mapping.start();
        try {
            Optional<Checkpoint> last = Optional.of(
                    new Checkpoint.AtSequenceNumber(records.getLast().sequenceNumber()));
            await().until(() -> store.load("versions", records.getFirst().shardId()), last::equals);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(destination.received()).hasSize(1);
        JsonNode root = JSON.readTree(destination.received().getFirst().toJson());
        assertThat(root.get("responseContext").fieldNames()).toIterable()
                .containsExactly("statusCode", "executedVersion", "functionError");
        return root.get("responseContext");
    }

    @Test
    void aFunctionErrorThrownWithItsInvokeResponseShowsItsVersion() throws Exception {
        JsonNode response = responseContextOf(batch -> {
            throw new FunctionErrorException("function my-fn:live failed",
                    new ResponseContext(200, "3", "Handled"));
        });

        assertThat(response.get("statusCode").asInt()).isEqualTo(200);
        assertThat(response.get("executedVersion").asText()).isEqualTo("3");
        assertThat(response.get("functionError").asText()).isEqualTo("Handled");
    }

    @Test
    void itemFailuresReturnedWithTheirInvokeResponseShowItsVersionAndNoFunctionError() throws Exception {
        JsonNode response = responseContextOf(batch -> BatchResult.failures(records.get(1).sequenceNumber())
                .withResponse(new ResponseContext(200, "7", null)));

        assertThat(response.get("statusCode").asInt()).isEqualTo(200);
        assertThat(response.get("executedVersion").asText()).isEqualTo("7");
        assertThat(response.get("functionError").isNull()).isTrue();
        assertThat(destination.received().getFirst().responseContext())
                .isEqualTo(new ResponseContext(200, "7", null));
    }

    @Test
    void aHandlerThatSaysNothingKeepsTheDefaults() throws Exception {
        JsonNode response = responseContextOf(batch -> {
            throw new IllegalStateException("function error");
        });

        assertThat(response.get("statusCode").asInt()).isEqualTo(200);
        assertThat(response.get("executedVersion").asText()).isEqualTo("$LATEST");
        assertThat(response.get("functionError").asText()).isEqualTo("Unhandled");
    }

    @Test
    void onlyTheHandlersOwnFunctionErrorExceptionCountsNotACause() throws Exception {
        JsonNode response = responseContextOf(batch -> {
            throw new IllegalStateException("wrapped", new FunctionErrorException("inner",
                    new ResponseContext(200, "3", "Unhandled")));
        });

        assertThat(response.get("executedVersion").asText()).isEqualTo("$LATEST");
    }

    @Test
    void aMessageOnlyFunctionErrorHasTheDefaultResponse() {
        assertThat(new FunctionErrorException("failed").response()).isEqualTo(ResponseContext.unhandled());
        assertThat(new BatchResult.ItemFailures(List.of("1")).response()).isEqualTo(ResponseContext.itemFailures());
        assertThat(BatchResult.success().withResponse(new ResponseContext(200, "7", null)))
                .isSameAs(BatchResult.success());
    }

    @Test
    void aFunctionErrorNeedsAFunctionErrorAndResultsHaveNone() {
        assertThatThrownBy(() -> new FunctionErrorException("failed", new ResponseContext(200, "3", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("functionError");
        assertThatThrownBy(() -> BatchResult.failures("1").withResponse(new ResponseContext(200, "3", "Unhandled")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unhandled");
        assertThatThrownBy(() -> new ResponseContext(200, " ", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("executedVersion");
    }

    /**
     * A response that fails the whole batch though the function answered (malformed, or naming no record of the batch)
     * shows the Invoke response it came in, with no function error: the function reported none.
     */
    @Test
    void aResponseThatFailsTheWholeBatchShowsItsInvokeResponse() throws Exception {
        JsonNode malformed = responseContextOf(batch -> io.esm4j.handler.LambdaResponses.parse("{\"batchItemFailures\":[")
                .withResponse(new ResponseContext(200, "7", null)));

        assertThat(malformed.get("executedVersion").asText()).isEqualTo("7");
        assertThat(malformed.get("functionError").isNull()).isTrue();
    }

    @Test
    void anUnknownItemIdentifierShowsItsInvokeResponse() throws Exception {
        JsonNode unknown = responseContextOf(batch -> BatchResult.failures("no-such-record")
                .withResponse(new ResponseContext(200, "7", null)));

        assertThat(unknown.get("executedVersion").asText()).isEqualTo("7");
        assertThat(unknown.get("functionError").isNull()).isTrue();
    }
}

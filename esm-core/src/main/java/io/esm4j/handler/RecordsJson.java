package io.esm4j.handler;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes the {@code {"Records":[...]}} envelope in which Lambda hands Kinesis, DynamoDB Streams and SQS records to a
 * function, and the fields a tumbling window adds to it ({@link #withWindow}). Each source writes its own records into
 * it, in its own field order; this is the one place the envelope is written.
 */
public final class RecordsJson {

    /** Writes one record as a JSON object into the {@code Records} array. */
    @FunctionalInterface
    public interface RecordWriter<R> {
        void write(JsonGenerator json, R record) throws IOException;
    }

    /**
     * The bytes {@link #write} adds around the records, for a source whose record sizes each count the record's object
     * and the comma before it: {@code {"Records":[]}} less one comma, as the first record has none. Envelope plus the
     * records' sizes is then the event's exact length in UTF-8 (a source's {@code eventEnvelopeBytes}).
     */
    public static final int ENVELOPE_BYTES = "{\"Records\":[]}".length() - ",".length();

    /** Reads state values as {@link LambdaResponses#parse(Batch, String)} keeps them: one JSON value each. */
    private static final ObjectMapper STATE = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RecordsJson() {}

    /**
     * Lambda's event for {@code batch} given its records event: {@code recordsJson} itself without a tumbling window;
     * with one, the window event, which adds after {@code Records} the {@code window} ({@code start}, {@code end},
     * ISO-8601), {@code state}, {@code shardId} ({@link Batch#partition()}), {@code eventSourceARN},
     * {@code isFinalInvokeForWindow} and {@code isWindowTerminatedEarly}. Each state value is written as the JSON it
     * holds, as {@link LambdaResponses#parse(Batch, String)} keeps it ({@code 3} a number, {@code "a"} a string); a
     * value that is not one JSON value (one an in-process handler set, such as {@code a}) is written as a string.
     *
     * @param recordsJson the {@code {"Records":[...]}} event of the batch, as {@link #write} makes it
     */
    public static String withWindow(String recordsJson, Batch<?> batch) {
        TimeWindow window = batch.window();
        if (window == null) {
            return recordsJson;
        }
        ObjectNode fields = STATE.createObjectNode();
        ObjectNode range = fields.putObject("window");
        range.put("start", window.start().toString());
        range.put("end", window.end().toString());
        ObjectNode state = fields.putObject("state");
        for (Map.Entry<String, String> entry : window.state().entrySet()) {
            state.set(entry.getKey(), stateValue(entry.getValue()));
        }
        fields.put("shardId", batch.partition());
        fields.put("eventSourceARN", batch.eventSourceArn());
        fields.put("isFinalInvokeForWindow", window.isFinalInvokeForWindow());
        fields.put("isWindowTerminatedEarly", window.isWindowTerminatedEarly());
        String extra = fields.toString();
        // Splicing keeps the records exactly as the source's writer made them (number formats included).
        int end = recordsJson.lastIndexOf('}');
        if (!recordsJson.startsWith("{\"Records\":") || end < 0) {
            // Not the text itself: it holds records' payloads.
            throw new IllegalArgumentException("expected a {\"Records\":[...]} event as RecordsJson.write makes it, "
                    + "but got " + recordsJson.length() + " characters that do not start with {\"Records\":");
        }
        return recordsJson.substring(0, end) + "," + extra.substring(1);
    }

    private static JsonNode stateValue(String value) {
        try {
            JsonNode node = STATE.readTree(value);
            if (node != null && !node.isMissingNode()) {
                return node;
            }
        } catch (JsonProcessingException e) {
            // Not JSON text: a plain string from an in-process handler.
        }
        return STATE.getNodeFactory().textNode(value);
    }

    /**
     * The event for {@code records}. A {@link RuntimeException} from the writer (for example a record it cannot
     * write) passes through unchanged.
     */
    public static <R> String write(JsonFactory factory, Iterable<? extends R> records, RecordWriter<? super R> writer) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = factory.createGenerator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("Records");
            for (R record : records) {
                writer.write(json, record);
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a string cannot fail", e);
        }
        return out.toString();
    }
}

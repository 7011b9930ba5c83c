package io.esm4j.handler;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * Writes the {@code {"Records":[...]}} envelope in which Lambda hands Kinesis, DynamoDB Streams and SQS records to a
 * function. Each source writes its own records into it, in its own field order; this is the one place the envelope
 * is written.
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

    private RecordsJson() {}

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

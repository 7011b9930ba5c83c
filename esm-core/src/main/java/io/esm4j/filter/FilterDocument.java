package io.esm4j.filter;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * The document {@link FilterCriteria#matches} sees for one record: a JSON object under the source's data key, e.g.
 * {@code {"data": {...}}} for Kinesis or {@code {"body": "..."}} for SQS. Sources build it with
 * {@link FilterDocuments}, which applies Lambda's rules for data that is not JSON; {@link #ofJson(String)} takes a
 * document as it is.
 *
 * <p>Opaque on purpose: the SPI methods that return it ({@code StreamSource.filterDocument},
 * {@code QueueSource.filterDocument}) then tie no source to the JSON library the matcher uses. Instances are
 * immutable; {@code equals} compares the documents' content and {@code toString} gives their JSON, so it holds
 * record data: do not log it where data must not go. (The not-JSON marker of {@link FilterDocuments#kinesisData}
 * prints as {@code null}, but such a document does not equal one holding a JSON null, and patterns on
 * {@code data} treat the two differently.)
 */
public final class FilterDocument {

    private final JsonNode node;

    private FilterDocument(JsonNode node) {
        this.node = node;
    }

    /** Shared by the package: {@link FilterDocuments} builds documents that JSON text cannot express. */
    static FilterDocument of(JsonNode node) {
        return new FilterDocument(Objects.requireNonNull(node, "node"));
    }

    /**
     * A document given as JSON text, used as it is, with no per-source rule: for sources whose records are
     * already the document, and for tests. A document that is not a JSON object has no fields, so only
     * {@code "exists": false} patterns can match it.
     *
     * @throws IllegalArgumentException if the text is not exactly one JSON value
     */
    public static FilterDocument ofJson(String json) {
        Objects.requireNonNull(json, "json");
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException("Expected one JSON value as a filter document, but the text ("
                        + json.length() + " characters) holds none");
            }
            return new FilterDocument(node);
        } catch (JacksonException e) {
            // Only where the parser stopped, neither its message nor the exception: both quote the text, which is
            // record data and must not reach the logs.
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("Expected one JSON value as a filter document, but the text ("
                    + json.length() + " characters) is not valid JSON"
                    + (at == null ? "" : " (the parser stopped at line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")"));
        }
    }

    /** The document's JSON tree; package-private so that no JSON library type leaves the package. */
    JsonNode node() {
        return node;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FilterDocument that && node.equals(that.node);
    }

    @Override
    public int hashCode() {
        return node.hashCode();
    }

    @Override
    public String toString() {
        return node.toString();
    }
}

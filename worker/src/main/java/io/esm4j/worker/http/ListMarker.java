package io.esm4j.worker.http;

import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.mappings.ManagedMapping;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;

/**
 * ListEventSourceMappings' Marker: the place in the list (oldest first, by LastModified then UUID) of the last
 * mapping a page held, so the next page starts after it. A position rather than an index: a mapping of an earlier
 * page that is deleted or updated meanwhile does not shift the next page past one it has not shown yet. Opaque to
 * callers, as Lambda's is.
 */
record ListMarker(Instant lastModified, String uuid) {

    static ListMarker of(ManagedMapping mapping) {
        return new ListMarker(mapping.lastModified(), mapping.uuid());
    }

    static ListMarker parse(String marker) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(marker), StandardCharsets.UTF_8);
            int space = text.indexOf(' ');
            if (space > 0 && space < text.length() - 1) {
                return new ListMarker(Instant.parse(text.substring(0, space)), text.substring(space + 1));
            }
        } catch (IllegalArgumentException | DateTimeParseException e) {
            // reported below
        }
        throw new InvalidMappingException("Marker", marker, "Expected the NextMarker of an earlier "
                + "ListEventSourceMappings answer.");
    }

    /** Whether the mapping comes after this marker in the list's order. */
    boolean isBefore(ManagedMapping mapping) {
        int byTime = mapping.lastModified().compareTo(lastModified);
        return byTime > 0 || byTime == 0 && mapping.uuid().compareTo(uuid) > 0;
    }

    @Override
    public String toString() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((lastModified + " " + uuid)
                .getBytes(StandardCharsets.UTF_8));
    }
}

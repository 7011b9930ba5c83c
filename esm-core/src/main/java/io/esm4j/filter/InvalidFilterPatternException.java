package io.esm4j.filter;

/**
 * A filter pattern that Lambda would refuse at CreateEventSourceMapping/UpdateEventSourceMapping time. Thrown while
 * {@link FilterCriteria} is built, never while records are matched.
 */
public final class InvalidFilterPatternException extends IllegalArgumentException {

    static final String PREFIX = "Invalid filter pattern definition.";

    InvalidFilterPatternException(String reason) {
        super(PREFIX + " " + reason);
    }
}

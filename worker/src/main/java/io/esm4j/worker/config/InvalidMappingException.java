package io.esm4j.worker.config;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A mapping, function or worker file that the worker refuses: the message names the field, the value given and what
 * is allowed, as Lambda's {@code InvalidParameterValueException} does.
 */
public final class InvalidMappingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;

    public InvalidMappingException(String field, @Nullable Object value, String allowed) {
        super("Invalid value for " + field + ": " + render(value) + ". " + allowed);
        this.field = field;
    }

    /** The same, with what caused the refusal (a handler class whose initializer threw, say). */
    public InvalidMappingException(String field, @Nullable Object value, String allowed, Throwable cause) {
        this(field, value, allowed);
        initCause(cause);
    }

    /** A message of its own, for problems that are not one field's value. */
    public InvalidMappingException(String field, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /** Never null: both constructors set a message. */
    @Override
    public String getMessage() {
        return Objects.requireNonNull(super.getMessage(), "both constructors set a message");
    }

    /** The field (Lambda's parameter name, with its path inside nested objects) that was wrong. */
    public String field() {
        return field;
    }

    private static String render(@Nullable Object value) {
        if (value == null) {
            return "null";
        }
        String text = value.toString();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}

package io.esm4j.settings;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A setting has a value outside its range; thrown when a mapping is built, never later. */
public final class InvalidSettingException extends IllegalArgumentException {

    private final String parameter;

    public InvalidSettingException(String parameter, @Nullable Object value, String expected) {
        super("Invalid value for " + parameter + ": " + value + ". Expected " + expected + ".");
        this.parameter = parameter;
    }

    /** Never null: it names the parameter, the value and what was expected. */
    @Override
    public String getMessage() {
        return Objects.requireNonNull(super.getMessage(), "the constructor always builds a message");
    }

    /** The Lambda parameter name, e.g. {@code BatchSize}. */
    public String parameter() {
        return parameter;
    }
}

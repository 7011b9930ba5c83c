package io.esm4j.settings;

import org.jspecify.annotations.Nullable;

/** A setting has a value outside its range; thrown when a mapping is built, never later. */
public final class InvalidSettingException extends IllegalArgumentException {

    private final String parameter;

    public InvalidSettingException(String parameter, @Nullable Object value, String expected) {
        super("Invalid value for " + parameter + ": " + value + ". Expected " + expected + ".");
        this.parameter = parameter;
    }

    /** The Lambda parameter name, e.g. {@code BatchSize}. */
    public String parameter() {
        return parameter;
    }
}

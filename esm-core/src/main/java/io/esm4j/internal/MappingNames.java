package io.esm4j.internal;

import io.esm4j.settings.InvalidSettingException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The form of a mapping's name, which scopes its checkpoints and idempotency keys and tags its metrics, so it must be
 * usable as a key and a tag. An idempotency namespace takes the same form: a mapping's name is its default one, and
 * with no ':' in it the namespace ends at the first ':' of a stored key, so two namespaces never share a key.
 */
public final class MappingNames {

    /** The allowed values, in the words of the docs' tables and the errors. */
    public static final String RANGE = "1–128 letters, digits, '.', '_' or '-'";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private MappingNames() {}

    /**
     * @param setting the name of what is checked, for the error
     * @throws InvalidSettingException when {@code value} is not of the form
     */
    public static String check(String setting, @Nullable String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new InvalidSettingException(setting, value, RANGE);
        }
        return value;
    }
}

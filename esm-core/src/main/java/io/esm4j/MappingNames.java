package io.esm4j;

import io.esm4j.settings.InvalidSettingException;
import java.util.regex.Pattern;

/** A mapping's name scopes its checkpoints and tags its metrics, so it must be usable as a key and a tag value. */
final class MappingNames {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private MappingNames() {}

    static String check(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidSettingException("name", name, "1–128 letters, digits, '.', '_' or '-'");
        }
        return name;
    }
}

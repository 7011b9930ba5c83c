package io.esm4j.redis;

import io.esm4j.settings.InvalidSettingException;

/** The rule for the stores' key prefixes, one for both stores' settings. */
final class KeyPrefix {

    /** Long enough for any namespace, short enough that a prefix is never mistaken for data. */
    private static final int MAX_LENGTH = 200;
    static final String RANGE = "0–" + MAX_LENGTH + " characters";

    private KeyPrefix() {}

    static void check(String setting, String prefix) {
        if (prefix == null || prefix.length() > MAX_LENGTH) {
            throw new InvalidSettingException(setting,
                    prefix == null ? "null" : "a prefix of " + prefix.length() + " characters", RANGE);
        }
    }
}

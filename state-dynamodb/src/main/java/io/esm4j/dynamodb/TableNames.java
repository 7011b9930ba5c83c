package io.esm4j.dynamodb;

import io.esm4j.settings.InvalidSettingException;
import java.util.regex.Pattern;

/** DynamoDB's rule for table names, checked when settings are built rather than at the first call. */
final class TableNames {

    static final String RANGE = "3–255 characters of a–z, A–Z, 0–9, '_', '-', '.'";
    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");

    private TableNames() {}

    static String check(String setting, String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new InvalidSettingException(setting, name == null ? "null" : "'" + name + "'",
                    "a DynamoDB table name: " + RANGE);
        }
        return name;
    }
}

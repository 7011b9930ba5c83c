package io.esm4j.settings;

import java.text.NumberFormat;
import java.time.Duration;
import java.util.Locale;

/**
 * One setting's name, allowed range, default and meaning: the single place each of them lives. The README's
 * settings table is checked against these definitions by a test.
 */
public sealed interface Setting permits Setting.IntSetting, Setting.DurationSetting, Setting.Described {

    String name();

    String range();

    String defaultText();

    String description();

    /**
     * An integer in {@code [min, max]}, or the {@code unlimited} value (-1 in Lambda's parameters) when it is allowed.
     */
    record IntSetting(String name, int min, int max, Integer unlimited, int defaultValue, String description)
            implements Setting {

        public int check(int value) {
            if ((unlimited != null && value == unlimited) || (value >= min && value <= max)) {
                return value;
            }
            throw new InvalidSettingException(name, value, "an integer " + rangeWords());
        }

        @Override
        public String range() {
            return (unlimited != null ? unlimited + " (unlimited), or " : "") + number(min) + "–" + number(max);
        }

        @Override
        public String defaultText() {
            return unlimited != null && defaultValue == unlimited ? unlimited + " (unlimited)" : number(defaultValue);
        }

        private String rangeWords() {
            return (unlimited != null ? "equal to " + unlimited + " or " : "") + "from " + number(min) + " to "
                    + number(max);
        }
    }

    /** A duration in {@code [min, max]}. */
    record DurationSetting(String name, Duration min, Duration max, Duration defaultValue, String description)
            implements Setting {

        public Duration check(Duration value) {
            if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new InvalidSettingException(name, value == null ? "null" : words(value),
                        "a duration from " + words(min) + " to " + words(max));
            }
            return value;
        }

        @Override
        public String range() {
            return (min.isZero() ? "0" : words(min)) + "–" + words(max);
        }

        @Override
        public String defaultText() {
            return words(defaultValue);
        }
    }

    /** A setting whose range is a set of choices or a component, described in words. */
    record Described(String name, String range, String defaultText, String description) implements Setting {}

    private static String number(int value) {
        return NumberFormat.getIntegerInstance(Locale.ROOT).format(value);
    }

    /** Durations in the unit a reader expects: "0 s", "250 ms", "5 min". */
    static String words(Duration d) {
        if (d.isZero()) {
            return "0 s";
        }
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + " ms";
        }
        long seconds = d.toSeconds();
        if (seconds % 3600 == 0) {
            return seconds / 3600 + " h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + " min";
        }
        return seconds + " s";
    }
}

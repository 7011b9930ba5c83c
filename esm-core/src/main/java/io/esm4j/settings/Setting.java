package io.esm4j.settings;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.text.NumberFormat;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

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
     * The setting's row in a settings table of the docs, {@code | `name` | range | default | meaning |}: what the
     * tests that hold each README's table to the code compare.
     */
    default String tableRow() {
        return "| `" + name() + "` | " + range() + " | " + defaultText() + " | " + description() + " |";
    }

    /**
     * An integer in {@code [min, max]}, or the {@code unlimited} value (-1 in Lambda's parameters) when it is allowed.
     */
    record IntSetting(String name, int min, int max, @Nullable Integer unlimited, int defaultValue, String description)
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

    /**
     * Durations in the unit a reader expects: "0 s", "250 ms", "5 min", and exactly below a millisecond: "1.0005 ms",
     * "1.5 µs", "1 ns". Counted in BigInteger nanoseconds because a Duration can exceed a long of either unit.
     */
    static String words(Duration d) {
        BigInteger nanos = BigInteger.valueOf(d.getSeconds()).multiply(BigInteger.valueOf(1_000_000_000))
                .add(BigInteger.valueOf(d.getNano()));
        if (nanos.signum() == 0) {
            return "0 s";
        }
        // The largest whole unit, as the README table is written; ms for anything not whole seconds.
        String[] units = {"h", "min", "s", "ms"};
        long[] unitNanos = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L};
        for (int i = 0; i < units.length; i++) {
            BigInteger[] quotient = nanos.divideAndRemainder(BigInteger.valueOf(unitNanos[i]));
            if (quotient[1].signum() == 0) {
                return quotient[0] + " " + units[i];
            }
        }
        // A fraction of a millisecond: a decimal, so the value stays exact, in the largest unit it reaches, so it
        // never reads as 0.
        BigInteger magnitude = nanos.abs();
        int scale = magnitude.compareTo(BigInteger.valueOf(1_000_000)) >= 0 ? 6
                : magnitude.compareTo(BigInteger.valueOf(1_000)) >= 0 ? 3 : 0;
        String unit = scale == 6 ? "ms" : scale == 3 ? "µs" : "ns";
        return new BigDecimal(nanos, scale).stripTrailingZeros().toPlainString() + " " + unit;
    }
}

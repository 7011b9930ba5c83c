package io.esm4j.worker.logging;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.event.Level;

/**
 * The worker's log format and levels, from system properties read once: {@code esm4j.log.format} ({@code json},
 * the default, or {@code text}), {@code esm4j.log.level} ({@code INFO} by default) and
 * {@code esm4j.log.level.<logger or prefix>} for the loggers it names ({@code levels}: the longest matching prefix
 * sets their level, whatever the others say). Unless a logger is named that way: ElasticMQ and Pekko (local mode
 * only) log at WARN and above, as they report every queue they create, and so do the Kafka clients, which log every
 * consumer's and producer's whole configuration and each rebalance step at INFO, as does local mode's Kafka broker
 * with every partition's state change; and the Kafka clients' WARN lines are limited to one per logger every 5
 * minutes ({@link WarnLimit}): with a broker down, each consumer warns about once a second.
 */
public record LogSettings(boolean json, Level level, Map<String, Level> levels) {

    private static final String LEVEL = "esm4j.log.level";
    private static final String LOGGER_LEVEL = LEVEL + ".";
    /** The Kafka clients' loggers, whose WARN lines are limited (local mode's broker logs under kafka.*). */
    private static final String KAFKA_CLIENTS = "org.apache.kafka.clients";
    private static final Map<String, Level> QUIET = Map.of("org.apache.pekko", Level.WARN, "org.elasticmq", Level.WARN,
            "software.amazon.awssdk", Level.WARN, "org.apache.kafka", Level.WARN, "kafka.", Level.WARN,
            "state.change.logger", Level.WARN, "io.github.embeddedkafka", Level.WARN,
            // Local mode's broker and controller only: their start-up warnings (an empty metadata log, the offsets
            // topic created twice) are part of any fresh single-node cluster.
            "kafka.server", Level.ERROR, "org.apache.kafka.controller", Level.ERROR);

    public LogSettings {
        levels = Map.copyOf(levels);
    }

    public LogSettings(boolean json, Level level) {
        this(json, level, Map.of());
    }

    /**
     * Refuses a value of any of these properties that {@link #fromSystemProperties} would pass over (it cannot refuse: it runs
     * while logging starts), naming the property, the value and what it takes; the worker checks them first.
     */
    public static void check() {
        String format = System.getProperty("esm4j.log.format");
        if (format != null && !format.equalsIgnoreCase("json") && !format.equalsIgnoreCase("text")) {
            throw new IllegalArgumentException("Invalid value for -Desm4j.log.format: " + format + ". Expected json or "
                    + "text.");
        }
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.equals(LEVEL) || name.startsWith(LOGGER_LEVEL)) {
                String level = System.getProperty(name);
                if (name.equals(LOGGER_LEVEL)) {
                    throw new IllegalArgumentException("Invalid property -D" + name + ": it names no logger. Expected "
                            + "-D" + LOGGER_LEVEL + "<logger name or prefix>=<level>.");
                }
                if (parse(level) == null) {
                    throw new IllegalArgumentException("Invalid value for -D" + name + ": " + level + ". Expected one "
                            + "of ERROR, WARN, INFO, DEBUG, TRACE.");
                }
            }
        }
    }

    private static @Nullable Level parse(@Nullable String level) {
        try {
            return level == null ? null : Level.valueOf(level.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static LogSettings fromSystemProperties() {
        String format = System.getProperty("esm4j.log.format", "json").toLowerCase(Locale.ROOT);
        Level level = parse(System.getProperty(LEVEL, "INFO"));
        Map<String, Level> levels = new HashMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            Level named = parse(System.getProperty(name));
            if (name.startsWith(LOGGER_LEVEL) && name.length() > LOGGER_LEVEL.length() && named != null) {
                levels.put(name.substring(LOGGER_LEVEL.length()), named);
            }
        }
        return new LogSettings(!format.equals("text"), level == null ? Level.INFO : level, levels);
    }

    /**
     * The level of the longest prefix named in {@code levels}, if any; otherwise the level of the longest matching
     * prefix held back ("kafka.server" over "kafka."), where it is above the level set.
     */
    Level threshold(String logger) {
        String named = longestPrefix(levels, logger);
        if (named != null) {
            return Objects.requireNonNull(levels.get(named));
        }
        String match = "";
        for (String prefix : QUIET.keySet()) {
            if (logger.startsWith(prefix) && prefix.length() > match.length()) {
                match = prefix;
            }
        }
        Level quiet = QUIET.get(match);
        return quiet != null && quiet.toInt() > level.toInt() ? quiet : level;
    }

    /** Whether the logger's WARN lines are limited: a Kafka client's, unless its level is named. */
    boolean limitsWarnings(String logger) {
        return logger.startsWith(KAFKA_CLIENTS) && longestPrefix(levels, logger) == null;
    }

    private static @Nullable String longestPrefix(Map<String, Level> prefixes, String logger) {
        String match = null;
        for (String prefix : prefixes.keySet()) {
            if (logger.startsWith(prefix) && (match == null || prefix.length() > match.length())) {
                match = prefix;
            }
        }
        return match;
    }
}

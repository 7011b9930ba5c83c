package io.esm4j.worker.logging;

import java.util.Locale;
import java.util.Map;
import org.slf4j.event.Level;

/**
 * The worker's log format and levels, from system properties read once: {@code esm4j.log.format} ({@code json},
 * the default, or {@code text}) and {@code esm4j.log.level} ({@code INFO} by default). ElasticMQ and Pekko (local
 * mode only) log at WARN and above, as they report every queue they create, and so do the Kafka clients, which log
 * every consumer's and producer's whole configuration and each rebalance step at INFO, as does local mode's Kafka
 * broker with every partition's state change.
 */
public record LogSettings(boolean json, Level level) {

    private static final Map<String, Level> QUIET = Map.of("org.apache.pekko", Level.WARN, "org.elasticmq", Level.WARN,
            "software.amazon.awssdk", Level.WARN, "org.apache.kafka", Level.WARN, "kafka.", Level.WARN,
            "state.change.logger", Level.WARN, "io.github.embeddedkafka", Level.WARN,
            // Local mode's broker and controller only: their start-up warnings (an empty metadata log, the offsets
            // topic created twice) are part of any fresh single-node cluster.
            "kafka.server", Level.ERROR, "org.apache.kafka.controller", Level.ERROR);

    /**
     * Refuses a value of either property that {@link #fromSystemProperties} would pass over (it cannot refuse: it runs
     * while logging starts), naming the property, the value and what it takes; the worker checks them first.
     */
    public static void check() {
        String format = System.getProperty("esm4j.log.format");
        if (format != null && !format.equalsIgnoreCase("json") && !format.equalsIgnoreCase("text")) {
            throw new IllegalArgumentException("Invalid value for -Desm4j.log.format: " + format + ". Expected json or "
                    + "text.");
        }
        String level = System.getProperty("esm4j.log.level");
        try {
            if (level != null) {
                Level.valueOf(level.toUpperCase(Locale.ROOT));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid value for -Desm4j.log.level: " + level + ". Expected one of "
                    + "ERROR, WARN, INFO, DEBUG, TRACE.", e);
        }
    }

    static LogSettings fromSystemProperties() {
        String format = System.getProperty("esm4j.log.format", "json").toLowerCase(Locale.ROOT);
        Level level;
        try {
            level = Level.valueOf(System.getProperty("esm4j.log.level", "INFO").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            level = Level.INFO;
        }
        return new LogSettings(!format.equals("text"), level);
    }

    /** The level of the longest matching prefix ("kafka.server" over "kafka."), where it is above the level set. */
    Level threshold(String logger) {
        String match = "";
        for (String prefix : QUIET.keySet()) {
            if (logger.startsWith(prefix) && prefix.length() > match.length()) {
                match = prefix;
            }
        }
        Level quiet = QUIET.get(match);
        return quiet != null && quiet.toInt() > level.toInt() ? quiet : level;
    }
}

package io.esm4j.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.simple.SimpleLogger;
import org.slf4j.spi.LocationAwareLogger;

/**
 * Captures what the given classes log at DEBUG and above while open. Tests log through slf4j-simple at ERROR (see
 * simplelogger.properties), which has no API to change a level: the loggers' level field is set for the capture and
 * restored after; slf4j-simple writes to whatever System.err is at the time, which is replaced meanwhile. Tests run
 * one at a time in one JVM, so nothing else writes there meanwhile. Tests run on the class path, where the field can
 * be reached. esm-core's tests, which this module depends on, keep a copy of their own.
 */
public final class LogCapture implements AutoCloseable {

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream stderr = System.err;
    private final Map<SimpleLogger, Integer> levels = new HashMap<>();

    public LogCapture(Class<?>... classes) {
        for (Class<?> type : classes) {
            Logger logger = LoggerFactory.getLogger(type);
            if (!(logger instanceof SimpleLogger simple)) {
                throw new IllegalStateException("expected slf4j-simple, got " + logger.getClass().getName());
            }
            levels.put(simple, level(simple, LocationAwareLogger.DEBUG_INT));
        }
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    /** The lines captured so far (stack trace lines included). */
    public List<String> lines() {
        return Arrays.asList(captured.toString(StandardCharsets.UTF_8).split("\n"));
    }

    /** Captured lines at {@code level} (e.g. "WARN") containing {@code text}. */
    public List<String> lines(String level, String text) {
        return lines().stream().filter(line -> line.contains(" " + level + " ") && line.contains(text)).toList();
    }

    @Override
    public void close() {
        System.setErr(stderr);
        levels.forEach(LogCapture::level);
    }

    private static int level(SimpleLogger logger, int level) {
        try {
            Field field = SimpleLogger.class.getDeclaredField("currentLogLevel");
            field.setAccessible(true);
            int before = field.getInt(logger);
            field.setInt(logger, level);
            return before;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot set slf4j-simple's level", e);
        }
    }
}

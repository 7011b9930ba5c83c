package io.esm4j.worker.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

/**
 * One JSON object per event on standard error: {@code time}, {@code level}, {@code logger}, {@code thread},
 * {@code message}, each {@code key=value} of the message as a field of its own (an {@code error=} field, always the
 * last, takes the rest of the message), and {@code stack} with the stack trace of a throwable. The key-values of
 * SLF4J's fluent API ({@code addKeyValue}, which the engine uses) are fields with their whole value, numbers and
 * booleans as such; without {@link LoggingEventAware} SLF4J would flatten them into the message, where a value with a
 * space or an {@code a=b} in it could not be told apart. In text format, one line
 * {@code time level logger - key=value ... message}. Messages of the worker and the engine carry ids, names and
 * counts, never payloads.
 */
final class JsonLogger extends AbstractLogger implements LoggingEventAware {

    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern FIELD = Pattern.compile("(?<![\\w.])([a-zA-Z][a-zA-Z0-9]*)=(\\S+)");

    private final transient LogSettings settings;
    private final Level threshold;
    /** A Kafka client's logger: its WARN lines, at most one every 5 minutes. */
    private final transient @Nullable WarnLimit warnLimit;

    JsonLogger(String name, LogSettings settings) {
        this(name, settings, System::nanoTime);
    }

    JsonLogger(String name, LogSettings settings, LongSupplier nanoTime) {
        this.name = name;
        this.settings = settings;
        this.threshold = settings.threshold(name);
        this.warnLimit = settings.limitsWarnings(name) ? new WarnLimit(nanoTime) : null;
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold.toInt();
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
        return isTraceEnabled();
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
        return isDebugEnabled();
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
        return isInfoEnabled();
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
        return isWarnEnabled();
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
        return isErrorEnabled();
    }

    @Override
    protected @Nullable String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, @Nullable Marker marker, String pattern,
                                               Object @Nullable [] arguments, @Nullable Throwable throwable) {
        write(level, MessageFormatter.basicArrayFormat(pattern, arguments), List.of(), throwable);
    }

    @Override
    public void log(LoggingEvent event) {
        if (!enabled(event.getLevel())) {
            return;
        }
        Object[] arguments = event.getArgumentArray();
        Throwable throwable = event.getThrowable();
        if (throwable == null && arguments != null) {
            throwable = MessageFormatter.getThrowableCandidate(arguments);
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        write(event.getLevel(), MessageFormatter.basicArrayFormat(event.getMessage(), arguments),
                pairs == null ? List.of() : pairs, throwable);
    }

    /**
     * The line's own key-values, then the MDC's (a handler's lines carry the mapping and the partition it works for,
     * {@code esm4j.mapping} and {@code esm4j.partition}): a key the line gives itself wins.
     */
    private static List<KeyValuePair> withContext(List<KeyValuePair> pairs) {
        Map<String, String> context = MDC.getCopyOfContextMap();
        if (context == null || context.isEmpty()) {
            return pairs;
        }
        List<KeyValuePair> all = new ArrayList<>(pairs);
        Set<String> given = new HashSet<>();
        pairs.forEach(pair -> given.add(pair.key));
        new TreeMap<>(context).forEach((key, value) -> {
            if (!given.contains(key)) {
                all.add(new KeyValuePair(key, value));
            }
        });
        return all;
    }

    private void write(Level level, String message, List<KeyValuePair> given, @Nullable Throwable throwable) {
        List<KeyValuePair> pairs = withContext(given);
        if (level == Level.WARN && warnLimit != null) {
            int notWarned = warnLimit.warn();
            if (notWarned < 0) {
                return;
            }
            if (notWarned > 0) {
                pairs = new ArrayList<>(pairs);
                pairs.add(new KeyValuePair("notLoggedAtWarn", notWarned));
            }
        }
        String line = settings.json() ? json(level, message, pairs, throwable) : text(level, message, pairs, throwable);
        PrintStream err = System.err;
        synchronized (err) {
            err.println(line);
        }
    }

    private String json(Level level, String message, List<KeyValuePair> pairs, @Nullable Throwable throwable) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("time", Instant.now().toString());
            json.writeStringField("level", level.name());
            json.writeStringField("logger", name);
            json.writeStringField("thread", Thread.currentThread().getName());
            json.writeStringField("message", message);
            Set<String> written = new HashSet<>(Set.of("time", "level", "logger", "thread", "message", "stack"));
            for (KeyValuePair pair : pairs) {
                if (written.add(pair.key)) {
                    json.writeFieldName(pair.key);
                    writeValue(json, pair.value);
                }
            }
            Matcher field = FIELD.matcher(message);
            while (field.find()) {
                String key = field.group(1);
                if (key.equals("error")) {
                    // The last field by convention: an exception's text, which may itself contain "a=b".
                    json.writeStringField(key, message.substring(field.start(2)));
                    break;
                }
                if (written.add(key)) {
                    json.writeStringField(key, field.group(2));
                }
            }
            if (throwable != null) {
                json.writeStringField("stack", stackTrace(throwable));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void writeValue(JsonGenerator json, @Nullable Object value) throws IOException {
        switch (value) {
            case null -> json.writeNull();
            case Integer i -> json.writeNumber(i);
            case Long l -> json.writeNumber(l);
            case Short n -> json.writeNumber(n);
            case Byte n -> json.writeNumber(n);
            case BigInteger n -> json.writeNumber(n);
            case BigDecimal n -> json.writeNumber(n);
            // NaN and the infinities have no JSON number form: written as strings, as any other value.
            case Double d when Double.isFinite(d) -> json.writeNumber(d);
            case Float f when Float.isFinite(f) -> json.writeNumber(f);
            case Boolean b -> json.writeBoolean(b);
            default -> json.writeString(value.toString());
        }
    }

    private String text(Level level, String message, List<KeyValuePair> pairs, @Nullable Throwable throwable) {
        StringBuilder fields = new StringBuilder();
        for (KeyValuePair pair : pairs) {
            fields.append(pair.key).append('=').append(pair.value).append(' ');
        }
        String line = Instant.now() + " " + level + " " + name.substring(name.lastIndexOf('.') + 1) + " - " + fields
                + message;
        return throwable == null ? line : line + System.lineSeparator() + stackTrace(throwable);
    }

    private static String stackTrace(Throwable throwable) {
        StringWriter trace = new StringWriter();
        throwable.printStackTrace(new PrintWriter(trace));
        return trace.toString().stripTrailing();
    }
}

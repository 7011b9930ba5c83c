package io.esm4j.worker.logging;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/** The worker's SLF4J back end: structured JSON lines (see {@link JsonLogger}), found by SLF4J's ServiceLoader. */
public final class JsonLoggingProvider implements SLF4JServiceProvider {

    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    /** Kept, and written with each line: what the engine puts there while a handler runs (HandlerLogContext). */
    private final MDCAdapter mdc = new BasicMDCAdapter();
    /** Set by {@link #initialize}, which SLF4J calls before it asks for any logger. */
    private volatile @Nullable LogSettings settings;

    @Override
    public ILoggerFactory getLoggerFactory() {
        return name -> loggers.computeIfAbsent(name, n -> new JsonLogger(n,
                Objects.requireNonNull(settings, "SLF4J initializes the provider first")));
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        settings = LogSettings.fromSystemProperties();
    }
}

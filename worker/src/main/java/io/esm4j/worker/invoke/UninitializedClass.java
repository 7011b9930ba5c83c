package io.esm4j.worker.invoke;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The JVM's error for the use of a class whose static initializer failed before (JLS 12.4.2):
 * {@code NoClassDefFoundError: Could not initialize class <name>}. Here, in the package that loads Java handlers, so
 * that the handler check and the mappings' detection ({@code worker.mappings}, which depends on this package) read
 * the JVM's text in one place.
 */
public final class UninitializedClass {

    private static final String MESSAGE = "Could not initialize class ";
    private static final Pattern IN_TEXT = Pattern.compile(
            "java\\.lang\\.NoClassDefFoundError: " + MESSAGE + "([\\w$.]+)");

    private UninitializedClass() {
    }

    /** The class the error says was not initialized, or null for any other error. */
    public static @Nullable String of(Throwable error) {
        String message = error.getMessage();
        return error instanceof NoClassDefFoundError && message != null && message.startsWith(MESSAGE)
                ? message.substring(MESSAGE.length()).strip() : null;
    }

    /** The class the error named in a text ({@code <error class>: <message>}, a status text) says, or null. */
    public static @Nullable String in(String text) {
        Matcher named = IN_TEXT.matcher(text);
        return named.find() ? named.group(1) : null;
    }
}

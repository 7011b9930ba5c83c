package io.esm4j.worker;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * The worker cannot start because of what one command line option names (a file that cannot be read, an address
 * that cannot be bound): the message names the option and its value, and says what went wrong in words.
 */
final class CannotStartException extends IOException {

    private static final long serialVersionUID = 1L;

    CannotStartException(String option, Object value, IOException cause) {
        super(option + " " + value + ": " + reason(cause), cause);
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException files && files.getReason() != null) {
            return files.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}

package io.esm4j.worker.mappings;

/** The change conflicts with an existing mapping or with the mappings file: Lambda's {@code ResourceConflictException}. */
public final class MappingConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MappingConflictException(String message) {
        super(message);
    }
}

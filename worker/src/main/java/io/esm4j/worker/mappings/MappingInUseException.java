package io.esm4j.worker.mappings;

/**
 * The mapping cannot be changed now: it is being deleted, or its previous update is still being applied. Lambda's
 * {@code ResourceInUseException} (HTTP 400): retry once the mapping's State is no longer Updating.
 */
public final class MappingInUseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MappingInUseException(String message) {
        super(message);
    }
}

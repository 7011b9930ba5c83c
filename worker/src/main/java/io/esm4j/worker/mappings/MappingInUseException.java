package io.esm4j.worker.mappings;

/**
 * The mapping cannot be changed now: it is being deleted, its previous update is still being applied, or (for an
 * update) its first start has not ended yet. Lambda's {@code ResourceInUseException} (HTTP 400): retry once the State
 * the message names has changed.
 */
public final class MappingInUseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MappingInUseException(String message) {
        super(message);
    }
}

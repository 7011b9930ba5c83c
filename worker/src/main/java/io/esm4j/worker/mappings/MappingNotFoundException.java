package io.esm4j.worker.mappings;

/** No mapping has the UUID asked for: Lambda's {@code ResourceNotFoundException}. */
public final class MappingNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MappingNotFoundException(String uuid) {
        super("The resource you requested does not exist. (Service: Lambda, Event source mapping: " + uuid + ")");
    }
}

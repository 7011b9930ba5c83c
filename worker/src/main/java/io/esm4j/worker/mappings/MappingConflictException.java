package io.esm4j.worker.mappings;

import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.config.WorkerFile;

/** The change conflicts with an existing mapping or with the mappings file: Lambda's {@code ResourceConflictException}. */
public final class MappingConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MappingConflictException(String message) {
        super(message);
    }

    /** A shared store already holds a mapping with this UUID. */
    static MappingConflictException uuidTaken(String uuid, String location) {
        return new MappingConflictException("A mapping with UUID " + uuid + " already exists in the " + location + ".");
    }

    /** Lambda's words for a second mapping of the same event source and function (a URL's password masked). */
    static MappingConflictException pairTaken(MappingSpec spec, String holder) {
        return new MappingConflictException("An event source mapping with event source (" + spec.source()
                + "), function (" + FunctionSpec.shownName(spec.functionName()) + ") already exists. Please update or "
                + "delete the existing mapping with UUID " + holder);
    }

    /**
     * Two mappings of the file map one pair. Lambda's words for this ask to update or delete a mapping through the
     * API, which a file's cannot be: these name both entries, and the function as logs show it (no URL password).
     */
    static MappingConflictException pairTwiceInFile(MappingSpec spec, FunctionSpec function, int index, int earlier) {
        return new MappingConflictException(WorkerFile.MAPPINGS + "[" + index + "] maps the event source "
                + spec.source() + " to the function " + function.displayName() + ", as " + WorkerFile.MAPPINGS + "["
                + earlier + "] does (the function compared by its FunctionArn, so a name and its ARN are one "
                + "function). Lambda maps a source and function pair once: remove one of the two, or merge their "
                + "fields.");
    }

    /** A mapping of the file maps the pair of a mapping created through the API before the file named it. */
    static MappingConflictException pairInFileAndStore(MappingStore.Stored stored, int index, String location) {
        return new MappingConflictException(WorkerFile.MAPPINGS + "[" + index + "] maps the event source "
                + stored.spec().source() + " to the function the mapping " + stored.uuid() + " maps, which was "
                + "created through the API (kept in " + location + "). Lambda maps a source and function pair once: "
                + "remove the entry from the file, or start without it and delete that mapping (aws lambda "
                + "delete-event-source-mapping --uuid " + stored.uuid() + ").");
    }

    /** A shared store's mapping changed through another worker since {@code current} was read. */
    static MappingConflictException changedElsewhere(MappingStore.Stored current, String location) {
        return new MappingConflictException("The mapping " + current.uuid() + " was changed or deleted through "
                + "another worker sharing the " + location + " since revision " + current.revision() + " was read; "
                + "read it again and retry.");
    }
}

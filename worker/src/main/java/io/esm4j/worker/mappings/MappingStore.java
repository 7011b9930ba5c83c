package io.esm4j.worker.mappings;

import io.esm4j.worker.config.MappingSpec;
import java.time.Instant;
import java.util.List;

/**
 * Where the mappings created through the API are kept, so that a restarted worker resumes them: a file in the data
 * directory ({@link FileMappingStore}) or a DynamoDB table shared by several workers ({@link DynamoDbMappingStore}).
 * Every write is a compare-and-set on one mapping's revision, so two workers sharing a store never overwrite each
 * other's change: the second one gets a {@link MappingConflictException}. Implementations are thread-safe; their
 * calls may block on I/O, so the registry never makes them while holding a lock or on a record path.
 */
public interface MappingStore {

    /**
     * One persisted mapping.
     *
     * @param revision 1 when created, one more at each update; what writes compare against
     */
    record Stored(String uuid, long revision, Instant lastModified, MappingSpec spec) {

        Stored next(MappingSpec changed, Instant now) {
            return new Stored(uuid, revision + 1, now, changed);
        }
    }

    /** Every stored mapping, as it is now (a strongly consistent read). */
    List<Stored> load();

    /**
     * Adds a mapping; a {@link MappingConflictException} if its UUID is taken or another mapping of the store has its
     * source and function (the registry checks its own view before, which holds the file's mappings too; the store's
     * own check is what two creates at the same moment cannot both pass).
     */
    void create(Stored mapping);

    /**
     * Replaces {@code current} with {@code next}, only if the store still holds {@code current}'s revision and no
     * other mapping of the store has {@code next}'s source and function.
     */
    void replace(Stored current, Stored next);

    /** Removes a mapping, only if the store still holds its revision. */
    void delete(Stored current);

    /**
     * True when other workers may change the store (a shared table): the registry then reads it again periodically
     * and before each API call. A file in a worker's own data directory changes only through that worker.
     */
    boolean shared();

    /** Where the mappings are, for messages: the file's path or the table's name. */
    String location();
}

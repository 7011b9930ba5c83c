package io.esm4j.worker.mappings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.worker.config.MappingSpec;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every mapping store that workers share does: two workers' stores never overwrite each other's change (each
 * write a compare-and-set on the revision read), and two workers cannot map the same source and function.
 */
abstract class SharedMappingStoreContract {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A store as one more worker reaches the shared state of the current test (empty when the test starts). */
    protected abstract MappingStore workerStore();

    static MappingStore.Stored mapping(String uuid, int batchSize) throws Exception {
        return new MappingStore.Stored(uuid, 1, Instant.ofEpochMilli(1_000), MappingSpec.of(JSON.readTree(
                "{\"EventSourceArn\": \"arn:aws:sqs:us-east-1:123456789012:q\", \"FunctionName\": \"f\", "
                        + "\"BatchSize\": " + batchSize + "}"), ""));
    }

    @Test
    void twoWorkersStoresRefuseStaleWrites() throws Exception {
        MappingStore first = workerStore();
        MappingStore second = workerStore();
        MappingStore.Stored created = mapping("uuid-1", 5);
        first.create(created);
        assertThatThrownBy(() -> second.create(created)).isInstanceOf(MappingConflictException.class)
                .hasMessageContaining("uuid-1 already exists");
        assertThat(second.load()).singleElement().satisfies(stored -> {
            assertThat(stored.uuid()).isEqualTo("uuid-1");
            assertThat(stored.revision()).isEqualTo(1);
            assertThat(stored.lastModified()).isEqualTo(created.lastModified());
            assertThat(stored.spec().toJson()).isEqualTo(created.spec().toJson());
        });

        MappingStore.Stored seenByBoth = second.load().getFirst();
        MappingStore.Stored bySecond = seenByBoth.next(mapping("uuid-1", 7).spec(), Instant.ofEpochMilli(2_000));
        second.replace(seenByBoth, bySecond);

        MappingStore.Stored byFirst = seenByBoth.next(mapping("uuid-1", 9).spec(), Instant.ofEpochMilli(3_000));
        assertThatThrownBy(() -> first.replace(seenByBoth, byFirst)).isInstanceOf(MappingConflictException.class)
                .hasMessageContaining("changed or deleted through another worker").hasMessageContaining("revision 1");
        assertThatThrownBy(() -> first.delete(seenByBoth)).isInstanceOf(MappingConflictException.class);
        assertThat(first.load()).singleElement().satisfies(stored -> {
            assertThat(stored.revision()).isEqualTo(2);
            assertThat(stored.spec().integer("BatchSize")).isEqualTo(7);
        });

        first.delete(first.load().getFirst());
        assertThat(second.load()).isEmpty();
        assertThatThrownBy(() -> second.replace(bySecond, bySecond.next(bySecond.spec(), Instant.now())))
                .isInstanceOf(MappingConflictException.class);
    }

    static MappingStore.Stored mapping(String uuid, String queue, String function) throws Exception {
        return new MappingStore.Stored(uuid, 1, Instant.ofEpochMilli(1_000), MappingSpec.of(JSON.readTree(
                "{\"EventSourceArn\": \"arn:aws:sqs:us-east-1:123456789012:" + queue + "\", \"FunctionName\": \""
                        + function + "\"}"), ""));
    }

    @Test
    void twoWorkersCannotMapTheSameSourceAndFunction() throws Exception {
        MappingStore first = workerStore();
        MappingStore second = workerStore();
        MappingStore.Stored a = mapping("uuid-a", "orders", "f");
        first.create(a);

        assertThatThrownBy(() -> second.create(mapping("uuid-b", "orders", "f")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("already exists")
                .hasMessageContaining("uuid-a");
        second.create(mapping("uuid-b", "orders", "g"));

        first.delete(a);
        MappingStore.Stored c = mapping("uuid-c", "orders", "f");
        second.create(c);

        // An update to another function moves the claim: the old pair is free, the new one is taken.
        second.replace(c, c.next(mapping("uuid-c", "orders", "h").spec(), Instant.ofEpochMilli(2_000)));
        first.create(mapping("uuid-d", "orders", "f"));
        assertThatThrownBy(() -> first.create(mapping("uuid-e", "orders", "h")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-c");
        assertThat(first.load()).extracting(MappingStore.Stored::uuid)
                .containsExactlyInAnyOrder("uuid-b", "uuid-c", "uuid-d");
    }

    /**
     * As in Lambda and in one worker's registry, a function is one whether named by its name, its ARN or its partial
     * ARN (in the workers' region, us-east-1 here): the claims compare FunctionArns, not FunctionNames as typed.
     */
    @Test
    void twoWorkersCannotMapOneFunctionByItsNameAndByItsArn() throws Exception {
        MappingStore first = workerStore();
        MappingStore second = workerStore();
        MappingStore.Stored byName = mapping("uuid-a", "orders", "f");
        first.create(byName);
        String arn = "arn:aws:lambda:us-east-1:000000000000:function:f";

        for (String same : List.of(arn, "000000000000:function:f")) {
            assertThatThrownBy(() -> second.create(mapping("uuid-b", "orders", same))).as(same)
                    .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-a");
        }
        // An update that names the same function by its ARN keeps the pair: it stays taken.
        first.replace(byName, byName.next(mapping("uuid-a", "orders", arn).spec(), Instant.ofEpochMilli(2_000)));
        assertThatThrownBy(() -> second.create(mapping("uuid-c", "orders", "f")))
                .isInstanceOf(MappingConflictException.class).hasMessageContaining("uuid-a");
        // Another qualifier, or the same name in another account, is another function.
        second.create(mapping("uuid-d", "orders", "f:live"));
        second.create(mapping("uuid-e", "orders", "111111111111:function:f"));
        assertThat(first.load()).extracting(MappingStore.Stored::uuid)
                .containsExactlyInAnyOrder("uuid-a", "uuid-d", "uuid-e");
    }
}

package io.esm4j.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.lease.LeaseStore;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The package is null-marked, so a user's checker (NullAway, Kotlin, an IDE) reads a parameter or return without
 * {@code @Nullable} as never null: where this module accepts or returns null, the signature must say so.
 */
class PublicNullnessTest {

    /** The engine passes a null payload hash whenever PayloadValidation is off; the SPI's signature says so. */
    @Test
    void theStoresTakeNullWhereTheirInterfacesDo() {
        assertThat(nullnessMismatches(DynamoDbIdempotencyStore.class, IdempotencyStore.class)).isEmpty();
        assertThat(nullnessMismatches(DynamoDbLeaseStore.class, LeaseStore.class)).isEmpty();
    }

    /** "null for none", as the Javadoc says; the accessor of a record built without one returns null. */
    @Test
    void noKclLeaseTableIsNull() throws Exception {
        DynamoDbLeaseStoreSettings settings = DynamoDbLeaseStoreSettings.builder().kclLeaseTable(null).build();
        assertThat(settings.kclLeaseTable()).isNull();
        assertThat(nullable(DynamoDbLeaseStoreSettings.class.getMethod("kclLeaseTable").getAnnotatedReturnType()))
                .as("DynamoDbLeaseStoreSettings.kclLeaseTable()").isTrue();
        assertThat(nullable(DynamoDbLeaseStoreSettings.Builder.class.getMethod("kclLeaseTable", String.class)
                .getAnnotatedParameterTypes()[0])).as("DynamoDbLeaseStoreSettings.Builder.kclLeaseTable(value)")
                .isTrue();
    }

    private static List<String> nullnessMismatches(Class<?> implementation, Class<?> spi) {
        List<String> mismatches = new ArrayList<>();
        for (Method declared : spi.getMethods()) {
            if (Modifier.isStatic(declared.getModifiers())) {
                continue;
            }
            Method implemented;
            try {
                implemented = implementation.getMethod(declared.getName(), declared.getParameterTypes());
            } catch (NoSuchMethodException e) {
                throw new AssertionError(e);
            }
            if (implemented.getDeclaringClass() != implementation) {
                continue;
            }
            AnnotatedType[] spiParameters = declared.getAnnotatedParameterTypes();
            AnnotatedType[] parameters = implemented.getAnnotatedParameterTypes();
            for (int i = 0; i < parameters.length; i++) {
                if (nullable(spiParameters[i]) != nullable(parameters[i])) {
                    mismatches.add(implementation.getSimpleName() + "." + implemented.getName() + " parameter "
                            + implemented.getParameters()[i].getName() + ": @Nullable in " + spi.getSimpleName()
                            + " is " + nullable(spiParameters[i]) + ", here " + nullable(parameters[i]));
                }
            }
        }
        return mismatches;
    }

    private static boolean nullable(AnnotatedType type) {
        return type.isAnnotationPresent(Nullable.class);
    }
}

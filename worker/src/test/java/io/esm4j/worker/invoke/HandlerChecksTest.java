package io.esm4j.worker.invoke;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.InvalidMappingException;
import org.junit.jupiter.api.Test;

/** A Java handler that cannot be made is refused naming the function's Handler field, the class and why. */
class HandlerChecksTest {

    @Test
    void aHandlerWithoutAPublicNoArgumentConstructorIsRefusedNamingTheField() {
        assertThatThrownBy(() -> check(NoDefaultConstructor.class))
                .isInstanceOf(InvalidMappingException.class)
                .hasMessage("Invalid value for Functions.f.Handler: " + NoDefaultConstructor.class.getName()
                        + ". Expected a public class with a public constructor without parameters "
                        + "(NoSuchMethodException).");
    }

    @Test
    void aHandlerWhoseConstructorThrowsIsRefusedWithTheConstructorsError() {
        assertThatThrownBy(() -> check(FailingConstructor.class))
                .hasMessage("Invalid value for Functions.f.Handler: " + FailingConstructor.class.getName()
                        + ". Its constructor threw java.lang.IllegalStateException: ORDERS_TABLE is not set.");
    }

    /**
     * Checked again, the class is not said to be missing from the class path either: the JVM never runs its failed
     * initializer again, so the text says that only a restart of the worker does.
     */
    @Test
    void aHandlerWhoseStaticInitializerThrowsIsNotSaidToBeMissing() {
        assertThatThrownBy(() -> check(FailingStaticInitializer.class))
                .hasMessage("Invalid value for Functions.f.Handler: " + FailingStaticInitializer.class.getName()
                        + ". Its static initializer threw java.lang.IllegalStateException: no configuration.")
                .hasCauseInstanceOf(ExceptionInInitializerError.class);
        assertThatThrownBy(() -> check(FailingStaticInitializer.class))
                .hasMessage("Invalid value for Functions.f.Handler: " + FailingStaticInitializer.class.getName()
                        + ". The class cannot be initialized (java.lang.NoClassDefFoundError: Could not initialize "
                        + "class " + FailingStaticInitializer.class.getName() + "): its static initializer, or that "
                        + "of a class it uses, threw before in this worker process, and the JVM never runs it again. "
                        + "Restart the worker.")
                .hasCauseInstanceOf(NoClassDefFoundError.class);
    }

    private static void check(Class<?> handler) {
        // By name, as a mappings file names it, so that the static initializer runs inside the check.
        Targets.checkHandler(FunctionSpec.of("f", FunctionSpec.Kind.JAVA, handler.getName(), null), SQSEvent.class,
                "SQS");
    }

    public static final class NoDefaultConstructor implements RequestHandler<SQSEvent, Void> {
        public NoDefaultConstructor(String table) {
        }

        @Override
        public Void handleRequest(SQSEvent event, Context context) {
            return null;
        }
    }

    public static final class FailingConstructor implements RequestHandler<SQSEvent, Void> {
        public FailingConstructor() {
            throw new IllegalStateException("ORDERS_TABLE is not set");
        }

        @Override
        public Void handleRequest(SQSEvent event, Context context) {
            return null;
        }
    }

    public static final class FailingStaticInitializer implements RequestHandler<SQSEvent, Void> {
        static {
            if (Boolean.parseBoolean("true")) {
                throw new IllegalStateException("no configuration");
            }
        }

        @Override
        public Void handleRequest(SQSEvent event, Context context) {
            return null;
        }
    }
}

package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A Kafka mapping's stop whose caller is interrupted goes on without it, as every mapping's does, and the mapping is
 * DISABLED only once it has stopped: DISABLED is what lets go of the JVM (the keep-alive), so a mapping DISABLED while
 * its poll thread still drains, commits and leaves its group could see the JVM end in the middle of that.
 */
class KafkaStopInterruptTest {

    @Test
    void aStopWhoseCallerIsInterruptedLeavesTheMappingDisablingUntilThePollThreadHasStopped() throws Exception {
        HeldCloseInterceptor.reset();
        // Nothing listens there: no partition is assigned, and the stop reaches the consumer's close at once.
        KafkaSource source = KafkaSource.builder().bootstrapServers("127.0.0.1:9").topics("orders")
                .consumerProperty("interceptor.classes", HeldCloseInterceptor.class.getName()).build();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("interrupted-stop", source,
                new Recorder()).settings(Fixtures.fast().build()).meterRegistry(new SimpleMeterRegistry()).build();
        mapping.start();
        CompletableFuture<Throwable> callerGot = new CompletableFuture<>();
        Thread caller = Thread.ofPlatform().name("interrupted-stop-caller").start(() -> {
            try {
                mapping.stop(Duration.ofSeconds(30));
                callerGot.complete(null);
            } catch (Throwable e) {
                callerGot.complete(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(60)).until(HeldCloseInterceptor::closing);
            caller.interrupt();
            assertThat(callerGot.get()).isInstanceOf(InterruptedException.class);
            // The poll thread still closes the consumer: the stop has not ended.
            assertThat(mapping.state()).isEqualTo(MappingState.DISABLING);
        } finally {
            HeldCloseInterceptor.release();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> mapping.state() == MappingState.DISABLED);
        StopResult result = mapping.stop(Duration.ZERO);
        assertThat(result.drainedInTime()).isTrue();
    }
}

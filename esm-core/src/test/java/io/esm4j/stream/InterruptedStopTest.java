package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.testing.InMemoryStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A stop whose caller is interrupted, or whose caller is one of the handlers it drains, still stops the mapping:
 * final checkpoints, released leases, no renewals left running, and a later stop() returns its result.
 */
class InterruptedStopTest {

    @Test
    void aHandlerThatStopsItsOwnMappingStopsIt() throws Exception {
        InMemoryStream stream = InMemoryStream.create("self", 1);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        AtomicReference<EventSourceMapping<byte[]>> self = new AtomicReference<>();
        CompletableFuture<Object> fromHandler = new CompletableFuture<>();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder("self", stream, batch -> {
            try {
                // Waits for this very handler: it returns at the timeout, when the stop interrupts its handlers.
                fromHandler.complete(self.get().stop(Duration.ofMillis(200)));
            } catch (Throwable e) {
                fromHandler.complete(e);
            }
            return BatchResult.success();
        }).settings(Streams.fast().build()).leaseStore(leases).build();
        self.set(mapping);
        mapping.start();
        stream.put("k", "r0");

        assertThat(fromHandler.get()).isInstanceOf(InterruptedException.class);
        StopResult result = mapping.stop(Duration.ofSeconds(10));
        assertThat(result.drainedInTime()).isFalse();
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(leases.list("self")).singleElement().extracting(Lease::owner).isNull();
    }

    @Test
    void aStopWhoseCallerIsInterruptedStillStopsTheMapping() throws Exception {
        InMemoryStream stream = InMemoryStream.create("interrupted", 1);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        CountDownLatch invoked = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder("interrupted", stream, batch -> {
            invoked.countDown();
            never.await(); // until the stop interrupts it
            return BatchResult.success();
        }).settings(Streams.fast().build()).leaseStore(leases).build();
        mapping.start();
        stream.put("k", "r0");
        invoked.await();

        CompletableFuture<Object> stopping = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                stopping.complete(mapping.stop(Duration.ofSeconds(1)));
            } catch (Throwable e) {
                stopping.complete(e);
            }
        });
        await().until(() -> mapping.state() == MappingState.DISABLING);
        caller.interrupt();

        assertThat(stopping.get()).isInstanceOf(InterruptedException.class);
        // The stop goes on without its caller: the handler is interrupted at the timeout and the lease released.
        await().untilAsserted(() -> assertThat(leases.list("interrupted")).singleElement().extracting(Lease::owner)
                .isNull());
        StopResult result = mapping.stop(Duration.ofSeconds(10));
        assertThat(result.drainedInTime()).isFalse();
        assertThat(result.recordsNotProcessed()).isEqualTo(1);
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThatThrownBy(mapping::start).isInstanceOf(IllegalStateException.class);
    }

    /**
     * A stop() while a fatal error's stop runs (here until that stop's 30 s interrupt a handler that hangs) returns
     * that stop's result once it has ended, the mapping DISABLED, as a queue or Kafka mapping's does, whatever its own
     * timeout. It answered "not drained, nothing saved" after its timeout plus the graces (6 s), the mapping still
     * DISABLING.
     */
    @Test
    void aStopWhileAFatalErrorStopsTheMappingReturnsThatStopsResult() throws Exception {
        InMemoryStream stream = InMemoryStream.create("fatal-race", 2);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        CountDownLatch hanging = new CountDownLatch(1);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.<byte[]>builder("fatal-race", stream, batch -> {
            if (Streams.text(batch.records().getFirst()).equals("oom")) {
                throw new OutOfMemoryError("injected");
            }
            hanging.countDown();
            new CountDownLatch(1).await(); // until the fatal error's stop interrupts it
            return BatchResult.success();
        }).settings(Streams.fast().build()).leaseStore(leases).build();
        mapping.start();
        List<String> shards = stream.openShardIds();
        stream.put(Streams.keyOn(stream, shards.get(0), 0), "hang");
        hanging.await();
        stream.put(Streams.keyOn(stream, shards.get(1), 0), "oom");
        await().until(() -> mapping.stateTransitionReason().contains("injected"));

        StopResult result = mapping.stop(Duration.ZERO);

        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).contains("injected");
        assertThat(result.drainedInTime()).isFalse();
        // The hanging record and the one the error met.
        assertThat(result.recordsNotProcessed()).isEqualTo(2);
        assertThat(leases.list("fatal-race")).allSatisfy(lease -> assertThat(lease.owner()).isNull());
        assertThat(mapping.stop(Duration.ZERO)).isSameAs(result);
    }
}

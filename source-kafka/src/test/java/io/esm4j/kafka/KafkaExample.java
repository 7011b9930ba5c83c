package io.esm4j.kafka;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.StartingPosition;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The README's example, runnable: a broker in this JVM, 10 records of 3 keys, a mapping that prints each batch as
 * Lambda's Kafka event, a poison record that goes to a failure topic, and what the failure topic received.
 *
 * <pre>./mvnw -q -pl source-kafka -am test-compile exec:java</pre>
 */
public final class KafkaExample {

    private KafkaExample() {}

    public static void main(String[] args) throws Exception {
        try (KafkaBroker broker = KafkaBroker.start()) {
            String topic = broker.topic("orders", 2);
            String failures = broker.topic("orders-failures", 1);
            for (int i = 0; i < 10; i++) {
                broker.send(topic, i % 2, "customer-" + i % 3, i == 4 ? "poison" : "{\"order\":" + i + "}");
            }
            KafkaSource source = KafkaSource.builder()
                    .bootstrapServers(broker.bootstrapServers)
                    .topics(topic)
                    .consumerGroupId("orders-processor")
                    .build();
            CountDownLatch done = new CountDownLatch(9);
            try (KafkaFailureTopic failureTopic = source.failureTopic(failures)) {
                EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("orders", source, batch -> {
                            System.out.println("event: " + source.eventJson(batch.records().stream()
                                    .map(r -> r.payload()).toList()));
                            if (batch.records().stream().anyMatch(r -> "poison".equals(Recorder.value(r)))) {
                                throw new IllegalStateException("cannot process the poison record");
                            }
                            batch.records().forEach(r -> done.countDown());
                            return BatchResult.success();
                        })
                        .settings(KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                                .parallelizationFactor(3).bisectBatchOnFunctionError(true)
                                .maximumRetryAttempts(2).build())
                        .onFailure(failureTopic)
                        .build();
                mapping.start();
                done.await(60, TimeUnit.SECONDS);
                System.out.println("failure topic: " + KafkaBroker.text(broker.readAll(failures, 1).getFirst()
                        .value()));
                StopResult result = mapping.stop(Duration.ofSeconds(10));
                System.out.println("stopped: " + result);
            }
        }
    }
}

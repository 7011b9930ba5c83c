package io.esm4j.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.failure.DestinationRefusedException;
import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.internal.MappingLogName;
import io.esm4j.kafka.internal.ClientIds;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka topic on the source's cluster as on-failure destination, Lambda's {@code kafka://<topic>}: every given-up
 * record becomes one message whose value is Lambda's Kafka failure record for that record alone ({@code
 * KafkaBatchInfo} with {@code batchSize} 1 and {@code recordInfo}) plus {@code payload}, the one-record Kafka event
 * with the record itself, its fields in name order as in Lambda's documented example. The message key is the source
 * record's {@code <topic>-<partition>}, so that one partition's failures land in one partition of the failure topic,
 * in order. The producer is idempotent with
 * {@code acks=all}; {@link #send} writes the messages one at a time, returns once the broker has every one, and
 * throws otherwise (the engine then keeps the records unfinished and retries the delivery from the first message not
 * written). A message the producer or the broker refuses for its size
 * ({@code max.request.size}, the topic's {@code max.message.bytes}) is sent again without {@code payload}, as Lambda
 * leaves the payload out of a message too large for SNS, so that a large record cannot hold its partition for good.
 *
 * <p>The producer starts with the first failure and gets the source's bootstrap servers and those of its consumer
 * properties that say how to reach the cluster (security protocol, SASL, TLS, DNS and socket settings). Close the
 * destination after the mappings that use it.
 */
public final class KafkaFailureTopic implements FailureDestination, AutoCloseable {

    /**
     * The topic of a {@code kafka://} destination: Lambda's pattern ({@code [^.][a-zA-Z0-9\-_.]{0,248}}) with its
     * first character held to the ones Kafka allows in a topic's name too, as sinks' FailureDestinations holds it:
     * Lambda's takes any but '.', and a topic the cluster refuses by its name would fail every delivery.
     */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9\\-_][a-zA-Z0-9\\-_.]{0,248}");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(KafkaFailureTopic.class);
    /** Failure records cut short whose acknowledged messages are remembered. */
    private static final int RESUMABLE = 1024;
    /**
     * How long closing waits for a message in flight. A failure record is sent and acknowledged before its records
     * pass, so one still in flight at a stop is sent again by the next run; unbounded, a broker out of reach would
     * hold the mapping's stop for the producer's delivery.timeout.ms (120 s by default).
     */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Consumer properties the producer takes as they are, besides every {@code ssl.*} and {@code sasl.*}: how to reach
     * and authenticate to the cluster, and the producer's own {@code max.request.size}.
     */
    private static final Set<String> SHARED_EXACT = Set.of("security.protocol", "security.providers",
            "client.dns.lookup", "connections.max.idle.ms", "reconnect.backoff.ms", "reconnect.backoff.max.ms",
            "socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.max.ms", "send.buffer.bytes",
            "receive.buffer.bytes", "metadata.max.age.ms", ProducerConfig.MAX_REQUEST_SIZE_CONFIG);

    private final KafkaSource source;
    private final String topic;
    /**
     * Per failure record cut short by a failed send (by its request id): how many of its messages the broker has
     * acknowledged. Bounded, oldest first out: a record the engine stopped retrying (its mapping stopped) is forgotten.
     */
    private final Map<String, Integer> acknowledged = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > RESUMABLE;
        }
    };
    /** Guards {@link #acknowledged}; held for a map lookup or update only, never across a send. */
    private final ReentrantLock acknowledgedLock = new ReentrantLock();
    private final Function<Map<String, Object>, Producer<byte[], byte[]>> producers;
    private final ReentrantLock producerLock = new ReentrantLock();
    private @Nullable Producer<byte[], byte[]> producer;
    private boolean closed;

    KafkaFailureTopic(KafkaSource source, String topic) {
        this(source, topic, properties -> new KafkaProducer<>(properties, new ByteArraySerializer(),
                new ByteArraySerializer()));
    }

    /** @param producers makes the producer from its properties (tests give a mock one) */
    KafkaFailureTopic(KafkaSource source, String topic,
                      Function<Map<String, Object>, Producer<byte[], byte[]>> producers) {
        this.producers = producers;
        if (topic == null || !TOPIC.matcher(topic).matches()) {
            throw new IllegalArgumentException("on-failure destination 'kafka://" + topic + "' is not a valid Kafka "
                    + "topic: 1-249 letters, digits, '.', '_' or '-', not starting with '.'");
        }
        this.source = source;
        this.topic = topic;
    }

    /** The topic failures go to. */
    public String topic() {
        return topic;
    }

    /**
     * Writes one message per record, one at a time and in order, each acknowledged before the next is sent: a message
     * sent again without its payload (too large) keeps its place, and a failure part way leaves the messages before
     * it written once. The engine retries a refused failure record with the same object; that attempt starts at the
     * first message not acknowledged (remembered for the last 1,024 failure records cut short).
     */
    @Override
    public void send(FailureRecord failure) throws Exception {
        Producer<byte[], byte[]> out = producer();
        List<StreamRecord<KafkaRecord>> records = new ArrayList<>();
        for (Object item : failure.records()) {
            records.add(kafkaRecord(item));
        }
        String id = failure.requestContext().requestId();
        int from = acknowledgedOf(id);
        int i = from;
        try {
            for (; i < records.size(); i++) {
                sendOne(out, failure, records.get(i));
            }
        } finally {
            if (i > from || i == records.size()) {
                noteAcknowledged(id, i, records.size());
            }
        }
    }

    /** How many messages of the failure record {@code id} the broker has acknowledged in earlier attempts. */
    private int acknowledgedOf(String id) {
        acknowledgedLock.lock();
        try {
            return acknowledged.getOrDefault(id, 0);
        } finally {
            acknowledgedLock.unlock();
        }
    }

    /** {@code count} of its {@code total} messages acknowledged: remembered until all are, then forgotten. */
    private void noteAcknowledged(String id, int count, int total) {
        acknowledgedLock.lock();
        try {
            if (count == total) {
                acknowledged.remove(id);
            } else {
                acknowledged.put(id, count);
            }
        } finally {
            acknowledgedLock.unlock();
        }
    }

    private void sendOne(Producer<byte[], byte[]> out, FailureRecord failure, StreamRecord<KafkaRecord> record)
            throws Exception {
        try {
            await(out.send(new ProducerRecord<>(topic, key(record), message(failure, record, true))));
        } catch (RecordTooLargeException e) {
            // Retrying the same message would hold the partition for good: like Lambda for SNS, leave the payload
            // out; the record info still says where the record is.
            MappingLogName.named(LOG.atWarn()).addKeyValue("topic", topic)
                    .addKeyValue("record", source.naturalId(record))
                    .addKeyValue("reason", e.getMessage())
                    .log("failure record too large for the failure topic with its payload; sent without it");
            await(out.send(new ProducerRecord<>(topic, key(record), message(failure, record, false))));
        }
    }

    private static byte[] key(StreamRecord<KafkaRecord> record) {
        return record.shardId().getBytes(StandardCharsets.UTF_8);
    }

    /** Waits for the broker's acknowledgement; a refusal for the message's size comes as it is. */
    private void await(Future<RecordMetadata> result) throws InterruptedException, DestinationRefusedException {
        try {
            result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RecordTooLargeException tooLarge) {
                throw tooLarge;
            }
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String message = "Kafka failure topic '" + topic + "' refused a failure record: " + cause;
            Optional<String> refused = KafkaAuthResults.ofFailureTopicRefusal(topic, cause);
            if (refused.isPresent()) {
                throw new DestinationRefusedException(refused.get(), message, cause);
            }
            throw new IllegalStateException(message, cause);
        }
    }

    /**
     * The message value: the failure record of one record, with the record's one-record event as payload (unless
     * {@code withPayload} is false).
     */
    byte[] message(FailureRecord failure, StreamRecord<KafkaRecord> record, boolean withPayload) throws Exception {
        FailureRecord one = new FailureRecord(failure.requestContext(), failure.responseContext(),
                failure.timestamp(), KafkaBatchInfo.ofOne(source, record), List.of(record));
        ObjectNode json = (ObjectNode) MAPPER.readTree(one.toJson());
        if (withPayload) {
            json.set("payload", byName(MAPPER.readTree(KafkaEventJson.write(source, List.of(record.payload())))));
        }
        return MAPPER.writeValueAsBytes(json);
    }

    /**
     * The node with every object's fields in name order, at every level. Lambda's documented example of a Kafka
     * destination's message lists the payload's fields so ({@code bootstrapServers}, {@code eventSource}, ...; in the
     * record {@code headers}, {@code key}, {@code offset}, ...), unlike the invocation event, whose order
     * {@link KafkaEventJson} keeps.
     */
    private static JsonNode byName(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> fields = new TreeMap<>();
            node.properties().forEach(field -> fields.put(field.getKey(), byName(field.getValue())));
            ObjectNode sorted = MAPPER.createObjectNode();
            sorted.setAll(fields);
            return sorted;
        }
        if (node.isArray()) {
            ArrayNode items = MAPPER.createArrayNode();
            node.forEach(item -> items.add(byName(item)));
            return items;
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    private static StreamRecord<KafkaRecord> kafkaRecord(Object item) {
        if (item instanceof StreamRecord<?> record && record.payload() instanceof KafkaRecord) {
            return (StreamRecord<KafkaRecord>) record;
        }
        throw new IllegalStateException("a Kafka failure topic takes the records of a Kafka mapping, but a record "
                + "of this failure record is " + (item == null ? "null" : item.getClass().getName()));
    }

    /**
     * The producer, made at the first failure. It is made outside the lock: KafkaProducer's constructor resolves the
     * bootstrap servers' names, which may block, and {@link #close} must not wait on it. Two first failures at once may
     * both make one; the second is closed again.
     */
    private Producer<byte[], byte[]> producer() {
        producerLock.lock();
        try {
            checkOpen();
            if (producer != null) {
                return producer;
            }
        } finally {
            producerLock.unlock();
        }
        Producer<byte[], byte[]> made = producers.apply(producerProperties());
        Producer<byte[], byte[]> current;
        producerLock.lock();
        try {
            if (!closed && producer == null) {
                producer = made;
                return made;
            }
            current = producer;
        } finally {
            producerLock.unlock();
        }
        made.close(CLOSE_TIMEOUT);
        if (current == null) {
            throw closedException();
        }
        return current;
    }

    /** Called with the lock held. */
    private void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("Kafka failure topic '" + topic + "' is closed");
    }

    /**
     * The source's connection and security settings, and {@code max.request.size}; nothing else of the consumer's.
     * Names a producer shares with the consumer may mean something else there: a consumer's {@code
     * interceptor.classes} is no producer interceptor (the producer could never be created), and its {@code
     * request.timeout.ms} or {@code metric.reporters} are the consumer's choices.
     */
    Map<String, Object> producerProperties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, ClientIds.failureTopicProducer(topic));
        source.consumerProperties().forEach((name, value) -> {
            if (SHARED_EXACT.contains(name) || name.startsWith("ssl.") || name.startsWith("sasl.")) {
                properties.put(name, value);
            }
        });
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, source.bootstrapServers());
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        return properties;
    }

    /** Closes the producer, waiting for a message in flight up to {@link #CLOSE_TIMEOUT}. */
    @Override
    public void close() {
        Producer<byte[], byte[]> toClose;
        producerLock.lock();
        try {
            closed = true;
            toClose = producer;
            producer = null;
        } finally {
            producerLock.unlock();
        }
        if (toClose != null) {
            toClose.close(CLOSE_TIMEOUT);
        }
    }
}

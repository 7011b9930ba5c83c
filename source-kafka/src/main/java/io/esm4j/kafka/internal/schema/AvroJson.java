package io.esm4j.kafka.internal.schema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.jspecify.annotations.Nullable;

/**
 * Avro records, as written with a registered schema, made into plain JSON: a record is an object with its fields in
 * the schema's order, a union is the value of its branch (not Avro's {@code {"type": value}} JSON encoding), an enum
 * its symbol, a map an object, bytes and fixed base64 text (as the event writes keys and values), a decimal a number
 * with its exact digits; other logical types are their underlying numbers or text. Float and double values that JSON
 * cannot hold (NaN, infinities) are text. For one thread (the mapping's intake): it keeps each schema's reader.
 */
public final class AvroJson {

    private static final JsonFactory JSON = new JsonFactory();

    private final GenericData data = new GenericData();
    private final Map<String, GenericDatumReader<Object>> readers = new HashMap<>();
    private @Nullable BinaryDecoder decoder;

    public AvroJson() {
        data.addLogicalTypeConversion(new Conversions.DecimalConversion());
    }

    /**
     * The JSON text (UTF-8) of the datum in {@code bytes} from {@code offset} on, written with {@code schema}.
     *
     * @throws UndecodableException if the schema does not parse or the bytes do not decode with it exactly
     */
    public byte[] toJson(RegisteredSchema schema, byte[] bytes, int offset) throws UndecodableException {
        GenericDatumReader<Object> reader = reader(schema);
        Object datum;
        try {
            decoder = DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, decoder);
            datum = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new UndecodableException("The Avro record of schema " + schema.id() + " has bytes left over "
                        + "after its last field. Expected exactly one datum after the 5-byte framing.", null);
            }
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new UndecodableException("The Avro record does not decode with schema " + schema.id() + ": " + e
                    + ". Expected a datum written with that schema after the 5-byte framing.", e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, (bytes.length - offset) * 2));
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            write(datum, generator);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    private GenericDatumReader<Object> reader(RegisteredSchema schema) throws UndecodableException {
        GenericDatumReader<Object> reader = readers.get(schema.id());
        if (reader == null) {
            Schema parsed;
            try {
                // Referenced schemas first: the parser then knows the named types the schema uses.
                Schema.Parser parser = new Schema.Parser();
                for (RegisteredSchema.Reference reference : schema.referencesInDependencyOrder()) {
                    parser.parse(reference.schema().text());
                }
                parsed = parser.parse(schema.text());
            } catch (AvroRuntimeException e) { // not Avro, or a type name that no schema given defines
                throw new UndecodableException("Schema " + schema.id() + " from the registry is not a valid Avro "
                        + "schema: " + e.getMessage(), e);
            }
            reader = new GenericDatumReader<>(parsed, parsed, data);
            readers.put(schema.id(), reader);
        }
        return reader;
    }

    private static void write(@Nullable Object value, JsonGenerator out) throws IOException {
        switch (value) {
            case null -> out.writeNull();
            case GenericRecord record -> {
                out.writeStartObject();
                for (Schema.Field field : record.getSchema().getFields()) {
                    out.writeFieldName(field.name());
                    write(record.get(field.pos()), out);
                }
                out.writeEndObject();
            }
            case Map<?, ?> map -> {
                out.writeStartObject();
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    out.writeFieldName(entry.getKey().toString());
                    write(entry.getValue(), out);
                }
                out.writeEndObject();
            }
            case Collection<?> array -> {
                out.writeStartArray();
                for (Object item : array) {
                    write(item, out);
                }
                out.writeEndArray();
            }
            case Boolean bool -> out.writeBoolean(bool);
            case Integer number -> out.writeNumber(number);
            case Long number -> out.writeNumber(number);
            case Float number -> {
                if (Float.isFinite(number)) {
                    out.writeNumber(number);
                } else {
                    out.writeString(number.toString());
                }
            }
            case Double number -> {
                if (Double.isFinite(number)) {
                    out.writeNumber(number);
                } else {
                    out.writeString(number.toString());
                }
            }
            case BigDecimal number -> out.writeNumber(number);
            case ByteBuffer buffer -> out.writeString(base64(buffer));
            case GenericFixed fixed -> out.writeString(Base64.getEncoder().encodeToString(fixed.bytes()));
            // Strings (Avro's Utf8) and enum symbols.
            default -> out.writeString(value.toString());
        }
    }

    private static String base64(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}

package io.esm4j.kafka.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class AvroJsonTest {

    private static final String ORDER = """
            {"type": "record", "name": "Order", "namespace": "shop", "fields": [
              {"name": "id", "type": "long"},
              {"name": "note", "type": ["null", "string"]},
              {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
              {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line", "fields": [
                {"name": "sku", "type": "string"}, {"name": "quantity", "type": "int"}]}}},
              {"name": "tags", "type": {"type": "map", "values": "boolean"}},
              {"name": "signature", "type": "bytes"},
              {"name": "code", "type": {"type": "fixed", "name": "Code", "size": 2}},
              {"name": "total", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
              {"name": "ratio", "type": "double"},
              {"name": "placedAt", "type": {"type": "long", "logicalType": "timestamp-millis"}}
            ]}""";

    private final Schema schema = new Schema.Parser().parse(ORDER);
    private final RegisteredSchema registered = new RegisteredSchema("7", SchemaFormat.AVRO, ORDER);
    private final AvroJson avroJson = new AvroJson();

    @Test
    void aRecordBecomesPlainJsonWithUnionsUnwrappedAndBytesInBase64() throws Exception {
        byte[] framed = framed(order("rush"));

        String json = new String(avroJson.toJson(registered, framed, ConfluentFraming.HEADER_BYTES),
                StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"id\":42,\"note\":\"rush\",\"status\":\"PAID\","
                + "\"lines\":[{\"sku\":\"A-1\",\"quantity\":2}],\"tags\":{\"gift\":true},"
                + "\"signature\":\"AQID\",\"code\":\"/wA=\",\"total\":12.50,\"ratio\":\"NaN\","
                + "\"placedAt\":1767225600000}");
        // The other branch of the union, and the same reader again.
        assertThat(new String(avroJson.toJson(registered, framed(order(null)), ConfluentFraming.HEADER_BYTES),
                StandardCharsets.UTF_8)).contains("\"note\":null");
    }

    @Test
    void bytesThatAreNotExactlyOneDatumOfTheSchemaAreUndecodable() throws Exception {
        byte[] framed = framed(order("rush"));
        byte[] truncated = Arrays.copyOf(framed, framed.length - 3);
        byte[] longer = Arrays.copyOf(framed, framed.length + 1);

        assertThatThrownBy(() -> avroJson.toJson(registered, truncated, ConfluentFraming.HEADER_BYTES))
                .isInstanceOf(UndecodableException.class)
                .hasMessageStartingWith("The Avro record does not decode with schema 7: ");
        assertThatThrownBy(() -> avroJson.toJson(registered, longer, ConfluentFraming.HEADER_BYTES))
                .isInstanceOf(UndecodableException.class).hasMessageContaining("bytes left over");
        assertThatThrownBy(() -> avroJson.toJson(new RegisteredSchema("8", SchemaFormat.AVRO, "{\"type\": \"nope\"}"),
                framed, ConfluentFraming.HEADER_BYTES))
                .isInstanceOf(UndecodableException.class)
                .hasMessageStartingWith("Schema 8 from the registry is not a valid Avro schema: ");
    }

    @Test
    void aSchemaThatUsesAReferencedSchemasTypeDecodes() throws Exception {
        String money = """
                {"type": "record", "name": "Money", "namespace": "common", "fields": [
                  {"name": "cents", "type": "long"}, {"name": "currency", "type": "string"}]}""";
        String refund = """
                {"type": "record", "name": "Refund", "namespace": "shop", "fields": [
                  {"name": "amount", "type": "common.Money"}]}""";
        RegisteredSchema registeredRefund = new RegisteredSchema("9", SchemaFormat.AVRO, refund, List.of(
                new RegisteredSchema.Reference("common.Money", new RegisteredSchema("2", SchemaFormat.AVRO, money))));
        Schema.Parser parser = new Schema.Parser();
        parser.parse(money);
        Schema refundSchema = parser.parse(refund);
        GenericRecord amount = new GenericData.Record(refundSchema.getField("amount").schema());
        amount.put("cents", 250L);
        amount.put("currency", "EUR");
        GenericRecord record = new GenericData.Record(refundSchema);
        record.put("amount", amount);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, 0, 0, 0, 9});
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(refundSchema).write(record, encoder);
        encoder.flush();

        assertThat(new String(avroJson.toJson(registeredRefund, out.toByteArray(), ConfluentFraming.HEADER_BYTES),
                StandardCharsets.UTF_8)).isEqualTo("{\"amount\":{\"cents\":250,\"currency\":\"EUR\"}}");
        // Without its reference the schema does not parse, and its records are undecodable.
        assertThatThrownBy(() -> avroJson.toJson(new RegisteredSchema("10", SchemaFormat.AVRO, refund),
                out.toByteArray(), ConfluentFraming.HEADER_BYTES))
                .hasMessageStartingWith("Schema 10 from the registry is not a valid Avro schema: ");
    }

    private GenericRecord order(String note) {
        Schema line = schema.getField("lines").schema().getElementType();
        GenericRecord first = new GenericData.Record(line);
        first.put("sku", "A-1");
        first.put("quantity", 2);
        Schema decimal = schema.getField("total").schema();
        GenericRecord order = new GenericData.Record(schema);
        order.put("id", 42L);
        order.put("note", note);
        order.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(), "PAID"));
        order.put("lines", List.of(first));
        order.put("tags", Map.of("gift", true));
        order.put("signature", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        order.put("code", new GenericData.Fixed(schema.getField("code").schema(), new byte[] {(byte) 0xff, 0}));
        order.put("total", new Conversions.DecimalConversion().toBytes(new BigDecimal("12.50"), decimal,
                LogicalTypes.decimal(9, 2)));
        order.put("ratio", Double.NaN);
        order.put("placedAt", 1_767_225_600_000L);
        return order;
    }

    /** As a Confluent serializer writes it: magic byte, schema id 7, the datum. */
    private byte[] framed(GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, 0, 0, 0, 7});
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}

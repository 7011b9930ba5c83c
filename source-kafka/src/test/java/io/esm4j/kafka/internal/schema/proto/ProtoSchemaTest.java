package io.esm4j.kafka.internal.schema.proto;

import static io.esm4j.kafka.internal.schema.proto.ProtoSchema.MessageIndexes.CONFLUENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.AnyProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.FieldMask;
import com.google.protobuf.FieldMaskProto;
import com.google.protobuf.Int64Value;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.StructProto;
import com.google.protobuf.Timestamp;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.Value;
import com.google.protobuf.WrappersProto;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * esm4j's Protobuf reading checked against Google's own library: the same schema as {@code .proto} text for esm4j
 * and as a descriptor for protobuf-java, records written by protobuf-java, and esm4j's JSON compared with
 * {@code JsonFormat.printer()}'s, byte for byte.
 */
class ProtoSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHOP = """
            // A shop's records; the comments and options are read past.
            syntax = "proto3";
            package shop.v1;

            import "google/protobuf/timestamp.proto";
            import "google/protobuf/duration.proto";
            import "google/protobuf/wrappers.proto";
            import public "google/protobuf/struct.proto";
            import "google/protobuf/any.proto";
            import "google/protobuf/field_mask.proto";

            option java_package = "com.example.shop";
            option (my.custom) = { a: 1 b: "x;y" };

            message Order {
              reserved 99, 100 to 110;
              reserved "legacy";
              option deprecated = false;
              enum Status { option allow_alias = true; STATUS_UNKNOWN = 0; PAID = 1; SHIPPED = 2; SENT = 2; }
              message Item { string sku = 1; int32 quantity = 2; }
              int32 id = 1;
              int64 total_cents = 2;
              uint32 u32 = 3;
              uint64 u64 = 4;
              sint32 s32 = 5;
              sint64 s64 = 6;
              fixed32 f32 = 7;
              fixed64 f64 = 8;
              sfixed32 sf32 = 9;
              sfixed64 sf64 = 10;
              float ratio = 11;
              double price = 12;
              bool gift = 13;
              string note = 14;
              bytes blob = 15;
              Status status = 16;
              repeated int32 codes = 17;
              repeated string tags = 18;
              map<string, int64> counts = 19;
              map<int32, Item> items_by_line = 20;
              Item first_item = 21;
              repeated .shop.v1.Order.Item items = 22;
              oneof payment {
                string card = 23;
                int64 points = 24;
              }
              optional int32 discount = 25;
              google.protobuf.Timestamp created_at = 26;
              google.protobuf.Duration ttl = 27;
              google.protobuf.Int64Value wrapped = 28;
              google.protobuf.Struct attrs = 29;
              google.protobuf.Value anything = 30;
              google.protobuf.FieldMask mask = 31;
              google.protobuf.Any extra = 32;
              string renamed = 33 [json_name = "otherName", deprecated = true];
              double not_a_number = 34;
              repeated Status history = 35 [packed = true];
            }

            message Refund {
              message Reason { string text = 1; }
              int64 order_id = 1;
              Reason reason = 2;
            }

            service Orders { rpc Get (Order) returns (Order) { option idempotency_level = NO_SIDE_EFFECTS; } }
            """;

    private final ProtoSchema schema = ProtoSchema.parse(SHOP);
    private final FileDescriptor file = shopDescriptor();
    private final Descriptor order = file.findMessageTypeByName("Order");
    private final Descriptor item = order.findNestedTypeByName("Item");

    @Test
    void everyKindOfFieldIsWrittenAsProtobufsJsonMapping() throws Exception {
        assertSameJson(richOrder(), new byte[] {0});
    }

    /** An order with every field set, most to values other than their default. */
    private DynamicMessage richOrder() {
        DynamicMessage first = DynamicMessage.newBuilder(item).setField(item.findFieldByName("sku"), "A-1")
                .setField(item.findFieldByName("quantity"), 2).build();
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(order);
        set(builder, "id", -7);
        set(builder, "total_cents", 12_345_678_901L);
        set(builder, "u32", -1);                      // 4294967295
        set(builder, "u64", -1L);                     // 18446744073709551615
        set(builder, "s32", -3);
        set(builder, "s64", Long.MIN_VALUE);
        set(builder, "f32", -2);
        set(builder, "f64", -2L);
        set(builder, "sf32", -5);
        set(builder, "sf64", -6L);
        set(builder, "ratio", 0.1f);
        set(builder, "price", 1e21);
        set(builder, "gift", true);
        set(builder, "note", "caf\u00e9 \"quoted\" \u2603 <a href='x'>&=\u2028\u0001\t\\ \ud83d\ude00");
        set(builder, "blob", ByteString.copyFrom(new byte[] {0, -1, 2}));
        builder.setField(order.findFieldByName("status"), order.findEnumTypeByName("Status").findValueByNumber(2));
        for (int code : new int[] {3, -1, 150}) {
            builder.addRepeatedField(order.findFieldByName("codes"), code);
        }
        builder.addRepeatedField(order.findFieldByName("tags"), "a")
                .addRepeatedField(order.findFieldByName("tags"), "");
        builder.addRepeatedField(order.findFieldByName("counts"), entry(order, "counts", "x", 5L));
        builder.addRepeatedField(order.findFieldByName("counts"), entry(order, "counts", "", 0L));
        builder.addRepeatedField(order.findFieldByName("items_by_line"), entry(order, "items_by_line", -4, first));
        builder.setField(order.findFieldByName("first_item"), DynamicMessage.getDefaultInstance(item));
        builder.addRepeatedField(order.findFieldByName("items"), first);
        set(builder, "points", 0L);                   // a oneof member at its default is still written
        set(builder, "discount", 0);                  // so is a proto3 optional field
        builder.setField(order.findFieldByName("created_at"), Timestamp.newBuilder().setSeconds(1_700_000_000L)
                .setNanos(120_000_000).build());
        builder.setField(order.findFieldByName("ttl"), com.google.protobuf.Duration.newBuilder().setSeconds(-1)
                .setNanos(-500).build());
        builder.setField(order.findFieldByName("wrapped"), Int64Value.of(0));
        builder.setField(order.findFieldByName("attrs"), Struct.newBuilder()
                .putFields("n", Value.newBuilder().setNumberValue(1.5).build())
                .putFields("none", Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build())
                .putFields("list", Value.newBuilder().setListValue(ListValue.newBuilder()
                        .addValues(Value.newBuilder().setBoolValue(true)).addValues(Value.newBuilder()
                                .setStringValue("s"))).build()).build());
        builder.setField(order.findFieldByName("anything"), Value.newBuilder().setStructValue(Struct.newBuilder()
                .putFields("k", Value.newBuilder().setStringValue("v").build())).build());
        builder.setField(order.findFieldByName("mask"), FieldMask.newBuilder().addPaths("total_cents")
                .addPaths("first_item.sku").build());
        builder.setField(order.findFieldByName("extra"), Any.pack(first));
        set(builder, "renamed", "r");
        set(builder, "not_a_number", Double.NaN);
        builder.addRepeatedField(order.findFieldByName("history"), order.findEnumTypeByName("Status")
                .findValueByNumber(1));
        builder.addRepeatedField(order.findFieldByName("history"), order.findEnumTypeByName("Status")
                .findValueByNumberCreatingIfUnknown(9));

        return builder.build();
    }

    @Test
    void proto3FieldsAtTheirDefaultAreLeftOutAndAnEmptyMessageIsAnEmptyObject() throws Exception {
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(order);
        set(builder, "id", 0);
        set(builder, "note", "");
        set(builder, "gift", false);

        assertSameJson(builder.build(), new byte[] {0});
        assertThat(new String(schema.toJson(new byte[] {0}, 0, CONFLUENT), StandardCharsets.UTF_8)).isEqualTo("{}");
    }

    @Test
    void messageIndexesNameANestedMessage() throws Exception {
        Descriptor reason = file.findMessageTypeByName("Refund").findNestedTypeByName("Reason");
        DynamicMessage message = DynamicMessage.newBuilder(reason).setField(reason.findFieldByName("text"), "late")
                .build();

        // Two indexes (count 2, zigzag 4): the second top-level message (1, zigzag 2), its first nested one (0).
        assertSameJson(message, new byte[] {4, 2, 0});
        assertThatThrownBy(() -> schema.toJson(framed(new byte[] {2, 6}, message), 0, CONFLUENT))
                .isInstanceOf(ProtoDecodeException.class)
                .hasMessage("the record's message index 3 (at depth 0) names no message; expected 0 to 1");
    }

    @Test
    void aFieldGivenTwiceKeepsItsLastValueMessagesMergeAndAOneofKeepsItsLastMember() throws Exception {
        DynamicMessage.Builder one = DynamicMessage.newBuilder(order);
        set(one, "id", 1);
        set(one, "card", "visa");
        one.setField(order.findFieldByName("first_item"), DynamicMessage.newBuilder(item)
                .setField(item.findFieldByName("sku"), "A").build());
        one.addRepeatedField(order.findFieldByName("tags"), "a");
        DynamicMessage.Builder two = DynamicMessage.newBuilder(order);
        set(two, "id", 2);
        set(two, "points", 40L);
        two.setField(order.findFieldByName("first_item"), DynamicMessage.newBuilder(item)
                .setField(item.findFieldByName("quantity"), 3).build());
        two.addRepeatedField(order.findFieldByName("tags"), "b");
        byte[] concatenated = concat(one.build().toByteArray(), two.build().toByteArray());

        DynamicMessage merged = DynamicMessage.parseFrom(order, concatenated);
        assertSameJson(merged, new byte[] {0});
        assertThat(json(schema.toJson(concat(new byte[] {0}, concatenated), 0, CONFLUENT)))
                .isEqualTo(printer().print(merged));
    }

    @Test
    void unknownFieldsAndFieldsOfAnotherWireTypeAreSkippedAsProtobufDoes() throws Exception {
        // Field 200 (unknown, varint), field 1 written as a string (wire type 2, not id's varint), then id = 5.
        byte[] record = {0, (byte) 0xc0, 0x0c, 0x01, 0x0a, 0x01, 'x', 0x08, 0x05};
        DynamicMessage parsed = DynamicMessage.parseFrom(order, Arrays.copyOfRange(record, 1, record.length));

        assertThat(json(schema.toJson(record, 0, CONFLUENT))).isEqualTo(printer().print(parsed))
                .isEqualTo("{\"id\":5}");
    }

    @Test
    void recordsThatAreNotTheMessageAreRefusedSayingWhy() {
        assertThatThrownBy(() -> schema.toJson(new byte[] {0, 0x08}, 0, CONFLUENT))
                .isInstanceOf(ProtoDecodeException.class)
                .hasMessage("the record ends inside a varint");
        assertThatThrownBy(() -> schema.toJson(new byte[] {0, 0x72, 0x05, 'a'}, 0, CONFLUENT))
                .hasMessage("a length of 5 at byte 3 runs past the record's end");
        assertThatThrownBy(() -> schema.toJson(new byte[] {0, 0x72, 0x02, (byte) 0xc3, 0x28}, 0, CONFLUENT))
                .hasMessage("field note (14): a string that is not UTF-8");
        assertThatThrownBy(() -> schema.toJson(new byte[] {0, 0x07}, 0, CONFLUENT))
                .hasMessage("shop.v1.Order: a field number of 0 at byte 2; expected 1 to 536870911");
    }

    @Test
    void proto2FieldsKeepTheirPresenceAndSchemasEsm4jCannotReadAreRefusedSayingWhere() throws Exception {
        ProtoSchema proto2 = ProtoSchema.parse("""
                syntax = "proto2";
                message Reading { optional int32 value = 1; required string unit = 2 [default = "C"]; }
                """);
        assertThat(json(proto2.toJson(new byte[] {0, 0x08, 0x00, 0x12, 0x00}, 0, CONFLUENT)))
                .isEqualTo("{\"value\":0,\"unit\":\"\"}");

        assertThatThrownBy(() -> ProtoSchema.parse("syntax = \"proto3\";\nmessage M {\n  int32 id = 1\n}"))
                .isInstanceOf(ProtoSyntaxException.class).hasMessage("line 4: expected ';', found '}'");
        assertThatThrownBy(() -> ProtoSchema.parse("syntax = \"proto3\"; message M { other.Type t = 1; }"))
                .hasMessage("M.t: type other.Type is not defined in the schema, in the schemas it references or "
                        + "among Google's well-known types");
        ProtoSchema withImport = ProtoSchema.parse("syntax = \"proto3\"; import \"other.proto\"; "
                + "message M { other.Type t = 1; }", List.of("syntax = \"proto3\"; package other; "
                + "message Type { string name = 1; }"));
        assertThat(json(withImport.toJson(new byte[] {0, 0x0a, 0x03, 0x0a, 0x01, 'n'}, 0, CONFLUENT)))
                .isEqualTo("{\"t\":{\"name\":\"n\"}}");
        assertThatThrownBy(() -> ProtoSchema.parse("syntax = \"proto2\"; message M { optional group G = 1 {} }"))
                .hasMessage("line 1: a field (proto2 groups are not supported), found 'group'");
        assertThatThrownBy(() -> ProtoSchema.parse("syntax = \"proto3\"; enum E { A = 0; }"))
                .hasMessage("no message type: expected at least one");
    }

    @Test
    void randomAndMangledRecordsDecodeExactlyWhenProtobufJavaDoesAndMangledSchemasFailSayingWhere() throws Exception {
        java.util.Random random = new java.util.Random(42);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] record = new byte[1 + random.nextInt(40)];
            random.nextBytes(record);
            record[0] = 0;
            decoded += agreesWithProtobufJava(record) ? 1 : 0;
        }
        // Valid records with a few bytes changed reach deeper: maps, oneofs, well-known types, Any.
        byte[] valid = framed(new byte[] {0}, richOrder());
        for (int i = 0; i < 20_000; i++) {
            byte[] record = valid.clone();
            for (int change = 1 + random.nextInt(3); change > 0; change--) {
                record[1 + random.nextInt(record.length - 1)] = (byte) random.nextInt(256);
            }
            record = Arrays.copyOf(record, random.nextInt(10) == 0 ? 1 + random.nextInt(record.length) : record.length);
            agreesWithProtobufJava(record);
        }
        int parsed = 0;
        for (int i = 0; i < 2_000; i++) {
            StringBuilder mangled = new StringBuilder(SHOP);
            for (int edit = 0; edit < 3; edit++) {
                int at = random.nextInt(mangled.length());
                if (random.nextBoolean()) {
                    mangled.deleteCharAt(at);
                } else {
                    mangled.insert(at, "{}[]<>;=\"'.-0x9aZ_ ".charAt(random.nextInt(19)));
                }
            }
            try {
                ProtoSchema.parse(mangled.toString());
                parsed++;
            } catch (ProtoSyntaxException expected) {
                // what a schema esm4j cannot read gets
            }
        }
        // Both loops reached both outcomes: the inputs were neither all valid nor all rejected at once.
        assertThat(decoded).isBetween(1, 19_999);
        assertThat(parsed).isBetween(1, 1_999);
    }

    /**
     * Asserts that esm4j writes an Order record (index 0, then the message) as protobuf-java does, or refuses it as
     * protobuf-java does; returns whether esm4j decoded it. Two differences are allowed. protobuf-java takes some
     * varints whose tenth byte says more bytes follow (its fast path ignores that in some cases), which esm4j refuses.
     * And a map key given twice is written twice by protobuf-java's DynamicMessage, once by esm4j with the last value
     * (Protobuf's rule): the same JSON to a parser that keeps the last of duplicate keys, as Jackson does.
     */
    private boolean agreesWithProtobufJava(byte[] record) throws Exception {
        String google = googleOrNull(record);
        try {
            String esm4j = json(schema.toJson(record, 0, CONFLUENT));
            if (!esm4j.equals(google)) {
                assertThat(google).as("record %s", Arrays.toString(record)).isNotNull();
                assertThat(JSON.readTree(esm4j)).as("record %s", Arrays.toString(record))
                        .isEqualTo(JSON.readTree(google));
            }
            return true;
        } catch (ProtoDecodeException e) {
            if (google != null) {
                assertThat(e.getMessage()).as("record %s", Arrays.toString(record))
                        .startsWith("a varint longer than 10 bytes");
            }
            return false;
        }
    }

    /** protobuf-java's JSON of an Order record, or null if it cannot parse or print it. */
    private String googleOrNull(byte[] record) {
        try {
            return printer().print(DynamicMessage.parseFrom(order, Arrays.copyOfRange(record, 1, record.length)));
        } catch (Exception e) {
            return null;
        }
    }

    /** esm4j's JSON of the record (these message indexes, then the message) is protobuf-java's, byte for byte. */
    private void assertSameJson(Message message, byte[] indexes) throws Exception {
        String expected = printer().print(message);
        String actual = json(schema.toJson(framed(indexes, message), 0, CONFLUENT));
        assertThat(actual).isEqualTo(expected);
        assertThat(JSON.readTree(actual)).isEqualTo(JSON.readTree(expected));
    }

    private JsonFormat.Printer printer() {
        return JsonFormat.printer().omittingInsignificantWhitespace()
                .usingTypeRegistry(TypeRegistry.newBuilder().add(item).build());
    }

    private static String json(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static byte[] framed(byte[] indexes, Message message) {
        return concat(indexes, message.toByteArray());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private void set(DynamicMessage.Builder builder, String field, Object value) {
        builder.setField(order.findFieldByName(field), value);
    }

    private static DynamicMessage entry(Descriptor message, String mapField, Object key, Object value) {
        Descriptor entry = message.findFieldByName(mapField).getMessageType();
        return DynamicMessage.newBuilder(entry).setField(entry.findFieldByName("key"), key)
                .setField(entry.findFieldByName("value"), value).build();
    }

    /** The SHOP schema as protobuf-java's descriptor, built field by field (protobuf-java cannot read .proto text). */
    private static FileDescriptor shopDescriptor() {
        try {
            DescriptorProto item = DescriptorProto.newBuilder().setName("Item")
                    .addField(field("sku", 1, Type.TYPE_STRING, null)).addField(field("quantity", 2, Type.TYPE_INT32,
                            null)).build();
            List<FieldDescriptorProto> fields = new ArrayList<>(List.of(
                    field("id", 1, Type.TYPE_INT32, null), field("total_cents", 2, Type.TYPE_INT64, null),
                    field("u32", 3, Type.TYPE_UINT32, null), field("u64", 4, Type.TYPE_UINT64, null),
                    field("s32", 5, Type.TYPE_SINT32, null), field("s64", 6, Type.TYPE_SINT64, null),
                    field("f32", 7, Type.TYPE_FIXED32, null), field("f64", 8, Type.TYPE_FIXED64, null),
                    field("sf32", 9, Type.TYPE_SFIXED32, null), field("sf64", 10, Type.TYPE_SFIXED64, null),
                    field("ratio", 11, Type.TYPE_FLOAT, null), field("price", 12, Type.TYPE_DOUBLE, null),
                    field("gift", 13, Type.TYPE_BOOL, null), field("note", 14, Type.TYPE_STRING, null),
                    field("blob", 15, Type.TYPE_BYTES, null),
                    field("status", 16, Type.TYPE_ENUM, ".shop.v1.Order.Status"),
                    repeated(field("codes", 17, Type.TYPE_INT32, null)),
                    repeated(field("tags", 18, Type.TYPE_STRING, null)),
                    repeated(field("counts", 19, Type.TYPE_MESSAGE, ".shop.v1.Order.CountsEntry")),
                    repeated(field("items_by_line", 20, Type.TYPE_MESSAGE, ".shop.v1.Order.ItemsByLineEntry")),
                    field("first_item", 21, Type.TYPE_MESSAGE, ".shop.v1.Order.Item"),
                    repeated(field("items", 22, Type.TYPE_MESSAGE, ".shop.v1.Order.Item")),
                    field("card", 23, Type.TYPE_STRING, null).toBuilder().setOneofIndex(0).build(),
                    field("points", 24, Type.TYPE_INT64, null).toBuilder().setOneofIndex(0).build(),
                    field("discount", 25, Type.TYPE_INT32, null).toBuilder().setOneofIndex(1).setProto3Optional(true)
                            .build(),
                    field("created_at", 26, Type.TYPE_MESSAGE, ".google.protobuf.Timestamp"),
                    field("ttl", 27, Type.TYPE_MESSAGE, ".google.protobuf.Duration"),
                    field("wrapped", 28, Type.TYPE_MESSAGE, ".google.protobuf.Int64Value"),
                    field("attrs", 29, Type.TYPE_MESSAGE, ".google.protobuf.Struct"),
                    field("anything", 30, Type.TYPE_MESSAGE, ".google.protobuf.Value"),
                    field("mask", 31, Type.TYPE_MESSAGE, ".google.protobuf.FieldMask"),
                    field("extra", 32, Type.TYPE_MESSAGE, ".google.protobuf.Any"),
                    field("renamed", 33, Type.TYPE_STRING, null).toBuilder().setJsonName("otherName")
                            .setOptions(FieldOptions.newBuilder().setDeprecated(true)).build(),
                    field("not_a_number", 34, Type.TYPE_DOUBLE, null),
                    repeated(field("history", 35, Type.TYPE_ENUM, ".shop.v1.Order.Status"))));
            DescriptorProto order = DescriptorProto.newBuilder().setName("Order").addAllField(fields)
                    .addNestedType(item)
                    .addNestedType(mapEntry("CountsEntry", Type.TYPE_STRING, Type.TYPE_INT64, null))
                    .addNestedType(mapEntry("ItemsByLineEntry", Type.TYPE_INT32, Type.TYPE_MESSAGE,
                            ".shop.v1.Order.Item"))
                    .addEnumType(com.google.protobuf.DescriptorProtos.EnumDescriptorProto.newBuilder()
                            .setName("Status").setOptions(com.google.protobuf.DescriptorProtos.EnumOptions
                                    .newBuilder().setAllowAlias(true))
                            .addValue(value("STATUS_UNKNOWN", 0)).addValue(value("PAID", 1))
                            .addValue(value("SHIPPED", 2)).addValue(value("SENT", 2)))
                    .addOneofDecl(OneofDescriptorProto.newBuilder().setName("payment"))
                    .addOneofDecl(OneofDescriptorProto.newBuilder().setName("_discount")).build();
            DescriptorProto reason = DescriptorProto.newBuilder().setName("Reason")
                    .addField(field("text", 1, Type.TYPE_STRING, null)).build();
            DescriptorProto refund = DescriptorProto.newBuilder().setName("Refund").addNestedType(reason)
                    .addField(field("order_id", 1, Type.TYPE_INT64, null))
                    .addField(field("reason", 2, Type.TYPE_MESSAGE, ".shop.v1.Refund.Reason")).build();
            FileDescriptorProto shop = FileDescriptorProto.newBuilder().setName("shop.proto").setPackage("shop.v1")
                    .setSyntax("proto3").addMessageType(order).addMessageType(refund)
                    .addDependency("google/protobuf/timestamp.proto").addDependency("google/protobuf/duration.proto")
                    .addDependency("google/protobuf/wrappers.proto").addDependency("google/protobuf/struct.proto")
                    .addDependency("google/protobuf/any.proto").addDependency("google/protobuf/field_mask.proto")
                    .build();
            return FileDescriptor.buildFrom(shop, new FileDescriptor[] {TimestampProto.getDescriptor(),
                    DurationProto.getDescriptor(), WrappersProto.getDescriptor(), StructProto.getDescriptor(),
                    AnyProto.getDescriptor(), FieldMaskProto.getDescriptor()});
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static FieldDescriptorProto field(String name, int number, Type type, String typeName) {
        FieldDescriptorProto.Builder field = FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
                .setType(type).setLabel(Label.LABEL_OPTIONAL);
        if (typeName != null) {
            field.setTypeName(typeName);
        }
        return field.build();
    }

    private static FieldDescriptorProto repeated(FieldDescriptorProto field) {
        return field.toBuilder().setLabel(Label.LABEL_REPEATED).build();
    }

    private static DescriptorProto mapEntry(String name, Type key, Type value, String valueTypeName) {
        return DescriptorProto.newBuilder().setName(name).setOptions(MessageOptions.newBuilder().setMapEntry(true))
                .addField(field("key", 1, key, null)).addField(field("value", 2, value, valueTypeName)).build();
    }

    private static com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto value(String name, int number) {
        return com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto.newBuilder().setName(name)
                .setNumber(number).build();
    }
}

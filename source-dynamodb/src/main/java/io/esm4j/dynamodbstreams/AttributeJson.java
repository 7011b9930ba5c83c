package io.esm4j.dynamodbstreams;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Writes the SDK's attribute values as DynamoDB JSON ({@code {"S": "x"}}, binaries in base64), as Lambda does. */
final class AttributeJson {

    private AttributeJson() {}

    static void writeItem(JsonGenerator json, Map<String, AttributeValue> item) throws IOException {
        json.writeStartObject();
        for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
            json.writeFieldName(attribute.getKey());
            writeValue(json, attribute.getValue());
        }
        json.writeEndObject();
    }

    static void writeValue(JsonGenerator json, AttributeValue value) throws IOException {
        json.writeStartObject();
        switch (value.type()) {
            case S -> json.writeStringField("S", value.s());
            case N -> json.writeStringField("N", value.n());
            case B -> json.writeStringField("B", base64(value.b()));
            case BOOL -> json.writeBooleanField("BOOL", value.bool());
            case NUL -> json.writeBooleanField("NULL", true);
            case SS -> {
                json.writeArrayFieldStart("SS");
                for (String s : value.ss()) {
                    json.writeString(s);
                }
                json.writeEndArray();
            }
            case NS -> {
                json.writeArrayFieldStart("NS");
                for (String n : value.ns()) {
                    json.writeString(n);
                }
                json.writeEndArray();
            }
            case BS -> {
                json.writeArrayFieldStart("BS");
                for (SdkBytes b : value.bs()) {
                    json.writeString(base64(b));
                }
                json.writeEndArray();
            }
            case M -> {
                json.writeFieldName("M");
                writeItem(json, value.m());
            }
            case L -> {
                json.writeArrayFieldStart("L");
                for (AttributeValue element : value.l()) {
                    writeValue(json, element);
                }
                json.writeEndArray();
            }
            default -> throw new IllegalArgumentException("an attribute value of a type this SDK version does not "
                    + "know: " + value.type());
        }
        json.writeEndObject();
    }

    private static String base64(SdkBytes bytes) {
        return Base64.getEncoder().encodeToString(bytes.asByteArrayUnsafe());
    }
}

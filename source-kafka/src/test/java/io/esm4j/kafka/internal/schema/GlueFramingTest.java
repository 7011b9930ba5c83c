package io.esm4j.kafka.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class GlueFramingTest {

    private final GlueFraming framing = new GlueFraming();
    private final UUID id = UUID.fromString("b8f5c1e2-7a4d-4f3e-9c2b-0d1e2f3a4b5c");
    private final byte[] payload = "{\"id\": 7, \"note\": \"a value long enough to compress\"}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void aFramedPartNamesItsSchemaVersionAndItsPayloadIsInflatedWhenCompressed() throws Exception {
        Framing.Framed plain = framing.unframe(FakeGlueRegistry.framed(id, payload, false));
        Framing.Framed compressed = framing.unframe(FakeGlueRegistry.framed(id, payload, true));

        assertThat(plain.schemaId()).isEqualTo(id.toString());
        assertThat(Arrays.copyOfRange(plain.bytes(), plain.offset(), plain.bytes().length)).isEqualTo(payload);
        assertThat(compressed.schemaId()).isEqualTo(id.toString());
        assertThat(Arrays.copyOfRange(compressed.bytes(), compressed.offset(), compressed.bytes().length))
                .isEqualTo(payload);
    }

    @Test
    void otherBytesAreNotFramedAndACompressedPayloadThatDoesNotInflateIsUndecodable() throws Exception {
        byte[] framed = FakeGlueRegistry.framed(id, payload, false);
        byte[] otherVersion = framed.clone();
        otherVersion[0] = 2;
        byte[] otherCompression = framed.clone();
        otherCompression[1] = 1;

        assertThat(framing.unframe(otherVersion)).isNull();
        assertThat(framing.unframe(otherCompression)).isNull();
        assertThat(framing.unframe(Arrays.copyOf(framed, 17))).isNull();
        assertThat(framing.unframe(new byte[] {0, 0, 0, 0, 1, 42})).isNull();   // Confluent's framing
        byte[] notZlib = framed.clone();
        notZlib[1] = 5;
        assertThatThrownBy(() -> framing.unframe(notZlib)).isInstanceOf(UndecodableException.class)
                .hasMessageStartingWith("The payload after AWS Glue's header says it is zlib-compressed but is not");
        byte[] compressed = FakeGlueRegistry.framed(id, payload, true);
        assertThatThrownBy(() -> framing.unframe(Arrays.copyOf(compressed, compressed.length - 4)))
                .hasMessage("The zlib-compressed payload after AWS Glue's header ends early.");
    }
}

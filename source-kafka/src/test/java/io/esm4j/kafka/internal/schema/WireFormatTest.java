package io.esm4j.kafka.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WireFormatTest {

    @Test
    void aFramedValueNamesItsSchemaAndAnythingElseIsNotFramed() {
        assertThat(WireFormat.schemaId(new byte[] {0, 0, 0, 1, 2, 42})).isEqualTo(258);
        assertThat(WireFormat.schemaId(new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}))
                .isEqualTo(Integer.MAX_VALUE);
        assertThat(WireFormat.schemaId(new byte[] {1, 0, 0, 0, 1, 42})).isNull();   // no magic byte
        assertThat(WireFormat.schemaId(new byte[] {0, 0, 0, 1})).isNull();          // shorter than the framing
        assertThat(WireFormat.schemaId("{\"id\":1}".getBytes())).isNull();          // plain JSON
        assertThat(WireFormat.schemaId(null)).isNull();                              // a tombstone
    }
}

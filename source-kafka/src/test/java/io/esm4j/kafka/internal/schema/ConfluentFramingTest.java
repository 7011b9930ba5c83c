package io.esm4j.kafka.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfluentFramingTest {

    @Test
    void aFramedValueNamesItsSchemaAndAnythingElseIsNotFramed() {
        assertThat(ConfluentFraming.schemaId(new byte[] {0, 0, 0, 1, 2, 42})).isEqualTo(258);
        assertThat(ConfluentFraming.schemaId(new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}))
                .isEqualTo(Integer.MAX_VALUE);
        assertThat(ConfluentFraming.schemaId(new byte[] {1, 0, 0, 0, 1, 42})).isNull();   // no magic byte
        assertThat(ConfluentFraming.schemaId(new byte[] {0, 0, 0, 1})).isNull();          // shorter than the framing
        assertThat(ConfluentFraming.schemaId("{\"id\":1}".getBytes())).isNull();          // plain JSON
        assertThat(ConfluentFraming.schemaId(null)).isNull();                              // a tombstone
    }
}

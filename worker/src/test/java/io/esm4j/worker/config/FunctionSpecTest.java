package io.esm4j.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FunctionSpecTest {

    private static String shown(String functionName) {
        return new Functions(java.util.Map.of(), Endpoints.none()).resolve(functionName).displayName();
    }

    @Test
    void aUrlIsShownWithItsUserInfoQueryAndFragmentMasked() {
        assertThat(shown("https://fn.example.com/invoke?token=s3cret&x=1")).isEqualTo("https://fn.example.com/invoke?...");
        assertThat(shown("https://user:pa55@fn.example.com:8443/a/b")).isEqualTo("https://...@fn.example.com:8443/a/b");
        assertThat(shown("http://127.0.0.1:9000/fn#key=s3cret")).isEqualTo("http://127.0.0.1:9000/fn?...");
        assertThat(shown("http://127.0.0.1:9000/fn")).isEqualTo("http://127.0.0.1:9000/fn");
    }

    @Test
    void otherNamesAreShownAsTheyAre() {
        assertThat(shown("my-function")).isEqualTo("my-function");
        assertThat(shown("arn:aws:lambda:us-east-1:123456789012:function:f")).isEqualTo(
                "arn:aws:lambda:us-east-1:123456789012:function:f");
    }
}

package dev.flightdeck.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DetailsJsonTest {

    @Test
    void embeddedJsonFieldsBecomeJsonNamedWithoutTheSuffix() {
        String proto = "{\"call\":{\"call_id\":\"call_1_1\",\"tool_name\":\"lookup_order\","
                + "\"arguments_json\":\"{\\\"order_id\\\":\\\"A-1001\\\"}\"},\"attempt\":1}";
        String readable = DetailsJson.readable(proto);
        assertThat(readable)
                .contains("\"arguments\" : {")
                .contains("\"order_id\" : \"A-1001\"")
                .doesNotContain("arguments_json")
                .doesNotContain("\\\"");
    }

    @Test
    void embeddedJsonInsideArraysIsExpandedToo() {
        String proto = "{\"message\":{\"tool_calls\":[{\"arguments_json\":\"{\\\"a\\\":[1,2]}\"}]}}";
        assertThat(DetailsJson.readable(proto)).contains("\"arguments\" : {").contains("\"a\" : [ 1, 2 ]");
    }

    @Test
    void textThatIsNotJsonIsKeptAsItIs() {
        String proto = "{\"result_json\":\"not json {\"}";
        assertThat(DetailsJson.readable(proto)).contains("\"result_json\" : \"not json {\"");
    }
}

package dev.flightdeck.daemon.tool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ToolExecutorTest {
    private static final String ORDER_SCHEMA = "{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\","
            + "\"pattern\":\"^A-[0-9]{4}$\"}},\"required\":[\"order_id\"]}";
    private final ToolExecutor executor = new ToolExecutor(ToolRegistry.builtins());
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void registryExportsExactlyTheDemoImplementationsAndTheSlowWaitTool() {
        assertThat(ToolRegistry.builtins().implementations()).containsExactlyInAnyOrder(
                "builtin:lookup_order", "builtin:get_refund_policy", "builtin:check_refund_eligibility",
                "builtin:issue_refund", "builtin:wait");
    }

    @Test
    void aCallThatOverrunsItsTimeoutIsAnErrorResultAndOneWithinItIsNot() {
        ToolOutcome slow = executor.execute("wait", "builtin:wait", "", "{\"ms\":60000}", 200);
        ToolOutcome quick = executor.execute("wait", "builtin:wait", "", "{\"ms\":1}", 5_000);

        assertThat(slow.isError()).isTrue();
        assertThat(slow.resultJson()).isEqualTo("{\"error\":\"timed out after 200 ms\"}");
        assertThat(slow.latencyMs()).isLessThan(10_000);
        assertThat(quick.isError()).isFalse();
        assertThat(quick.resultJson()).isEqualTo("{\"waited_ms\":1}");
    }

    @Test
    void lookupOrderIsAPureFunctionOfItsArguments() throws Exception {
        ToolOutcome a = executor.execute("lookup_order", "builtin:lookup_order", ORDER_SCHEMA, "{\"order_id\":\"A-2002\"}");
        ToolOutcome b = executor.execute("lookup_order", "builtin:lookup_order", ORDER_SCHEMA, "{\"order_id\":\"A-2002\"}");

        assertThat(a.isError()).isFalse();
        assertThat(a.resultJson()).isEqualTo(b.resultJson());
        JsonNode order = json.readTree(a.resultJson());
        assertThat(order.get("order_id").asText()).isEqualTo("A-2002");
        assertThat(order.get("items").size()).isPositive();
        assertThat(order.has("amount")).isTrue();
        assertThat(order.has("status")).isTrue();
        assertThat(order.has("order_date")).isTrue();
    }

    @Test
    void theDemoOrderIsEligibleForARefundWithAReason() throws Exception {
        ToolOutcome r = executor.execute("check_refund_eligibility", "builtin:check_refund_eligibility", "",
                "{\"order_id\":\"A-1001\",\"reason\":\"Arrived damaged\"}");
        JsonNode result = json.readTree(r.resultJson());

        assertThat(result.get("eligible").asBoolean()).isTrue();
        assertThat(result.get("amount").asDouble()).isEqualTo(89.99);
        assertThat(result.get("explanation").asText()).contains("30-day window");
        assertThat(json.readTree(executor.execute("get_refund_policy", "builtin:get_refund_policy", "", "{}")
                .resultJson()).get("window_days").asInt()).isEqualTo(30);
    }

    @Test
    void argumentsThatViolateTheSchemaBecomeAnErrorResultNotAnException() throws Exception {
        ToolOutcome bad = executor.execute("lookup_order", "builtin:lookup_order", ORDER_SCHEMA, "{\"order_id\":\"nope\"}");
        ToolOutcome notJson = executor.execute("lookup_order", "builtin:lookup_order", ORDER_SCHEMA, "{oops");
        ToolOutcome unknown = executor.execute("x", "builtin:nope", "", "{}");

        assertThat(bad.isError()).isTrue();
        assertThat(json.readTree(bad.resultJson()).get("error").asText()).startsWith("invalid arguments for tool \"lookup_order\"");
        assertThat(notJson.isError()).isTrue();
        assertThat(json.readTree(notJson.resultJson()).get("error").asText()).startsWith("arguments are not valid JSON");
        assertThat(unknown.isError()).isTrue();
    }
}

package dev.flightdeck.daemon.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BundleParserDemoTest {
    private final BundleParser parser = BundleTestSupport.parser();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void demoBundleParsesWithThreeAllowedReadOnlyTools() {
        ParsedBundle bundle = parser.parse(BundleTestSupport.demoYaml());

        BundleSpec spec = bundle.spec();
        assertThat(spec.name()).isEqualTo("support-refund");
        assertThat(spec.description()).isNotBlank();
        assertThat(spec.systemPrompt()).contains("refund");
        assertThat(spec.tools()).extracting(ToolSpec::name)
                .containsExactly("lookup_order", "get_refund_policy", "check_refund_eligibility");
        assertThat(spec.tools()).allSatisfy(tool -> {
            assertThat(tool.policy()).isEqualTo(ToolPolicy.ALLOW);
            assertThat(tool.implementation()).isEqualTo("builtin:" + tool.name());
            assertThat(tool.idempotent()).isTrue();
            assertThat(tool.parametersJson()).startsWith("{").contains("\"type\":\"object\"");
        });
        assertThat(spec.model().provider()).isEqualTo("scripted");
        assertThat(spec.model().model()).isEqualTo("demo-1");
        assertThat(spec.model().parametersJson()).isEqualTo("{\"temperature\":0}");
        assertThat(spec.limits()).isEqualTo(new LimitsSpec(8, 0, 500_000, 300_000));
        assertThat(bundle.versionId()).matches("[0-9a-f]{64}");
        assertThat(bundle.sourceYaml()).isEqualTo(BundleTestSupport.demoYaml());
    }

    @Test
    void demoBundleYamlIsTheShippedResource() {
        assertThat(BundleParser.demoBundleYaml()).isEqualTo(BundleTestSupport.demoYaml()).contains("name: support-refund");
    }

    @Test
    void demoScriptLooksUpChecksAndAnswersInSeveralVisibleSteps() throws Exception {
        JsonNode script = json.readTree(parser.parse(BundleTestSupport.demoYaml()).spec().model().scriptJson());

        assertThat(script).hasSize(4);
        assertThat(script.get(0).at("/tool_calls/0/tool").asText()).isEqualTo("lookup_order");
        assertThat(script.get(0).at("/tool_calls/0/arguments/order_id").asText()).isEqualTo("A-1001");
        assertThat(script.get(1).at("/tool_calls/0/tool").asText()).isEqualTo("get_refund_policy");
        assertThat(script.get(1).at("/tool_calls/0/arguments").isObject()).isTrue();
        assertThat(script.get(2).at("/tool_calls/0/tool").asText()).isEqualTo("check_refund_eligibility");
        assertThat(script.get(2).at("/tool_calls/0/arguments/reason").asText()).isNotBlank();
        assertThat(script.get(3).get("text").asText()).contains("A-1001");
        for (JsonNode turn : script) {
            assertThat(turn.get("latency_ms").asLong()).isBetween(100L, 400L);
            assertThat(turn.at("/usage/input_tokens").asLong()).isPositive();
            assertThat(turn.at("/usage/output_tokens").asLong()).isPositive();
        }
    }

    @Test
    void scriptJsonHasDefaultsAppliedForEveryTurn() throws Exception {
        ParsedBundle bundle = parser.parse("""
                name: defaults
                system_prompt: p
                tools:
                  - name: t
                    description: d
                    implementation: builtin:get_refund_policy
                    parameters: {type: object}
                model:
                  provider: scripted
                  model: m
                  script:
                    - tool_calls: [{tool: t}]
                    - text: done
                """);

        assertThat(bundle.spec().model().scriptJson()).isEqualTo(
                "[{\"latency_ms\":0,\"tool_calls\":[{\"arguments\":{},\"tool\":\"t\"}],"
                        + "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}},"
                        + "{\"latency_ms\":0,\"text\":\"done\",\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}]");
        assertThat(bundle.spec().model().parametersJson()).isEqualTo("{}");
        assertThat(bundle.spec().description()).isEmpty();
        assertThat(bundle.spec().tools().get(0).policy()).isEqualTo(ToolPolicy.ALLOW);
        assertThat(bundle.spec().tools().get(0).idempotent()).isFalse();
        assertThat(bundle.spec().limits()).isEqualTo(new LimitsSpec(LimitsSpec.DEFAULT_MAX_STEPS, 0, 0, 0));
    }

    @Test
    void aBundleWithoutToolsOrLimitsIsValid() {
        ParsedBundle bundle = parser.parse("""
                name: bare
                system_prompt: p
                model: {provider: scripted, model: m, script: [{text: hi}]}
                """);

        assertThat(bundle.spec().tools()).isEmpty();
        assertThat(bundle.spec().limits().maxSteps()).isEqualTo(20);
    }
}

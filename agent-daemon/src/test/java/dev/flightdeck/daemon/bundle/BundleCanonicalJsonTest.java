package dev.flightdeck.daemon.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BundleCanonicalJsonTest {
    private static final String GOLDEN_JSON = "{\"description\":\"\",\"format\":1,"
            + "\"limits\":{\"max_cost_micros\":0,\"max_steps\":20,\"max_tokens\":0,\"max_wall_time_seconds\":0},"
            + "\"model\":{\"model\":\"demo-1\",\"parameters\":{},\"provider\":\"scripted\","
            + "\"script\":[{\"latency_ms\":0,\"text\":\"Hello!\",\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}]},"
            + "\"name\":\"golden\",\"system_prompt\":\"Say hello.\",\"tools\":[]}";

    private final BundleParser parser = BundleTestSupport.parser();

    @Test
    void goldenFixtureHasPinnedCanonicalJsonAndVersionId() {
        ParsedBundle bundle = parser.parse(BundleTestSupport.fixture("golden-minimal.yaml"));

        assertThat(bundle.canonicalJson()).isEqualTo(GOLDEN_JSON);
        assertThat(bundle.versionId()).isEqualTo(CanonicalJson.sha256Hex(GOLDEN_JSON));
        assertThat(bundle.versionId()).isEqualTo("9767b57fe5cc05236776dd297b42140f9b995b9afea5c4d5538755689e6f7463");
    }

    @Test
    void sameContentInAnotherLayoutKeyOrderQuotingAndCommentsGivesTheSameId() {
        ParsedBundle demo = parser.parse(BundleTestSupport.demoYaml());
        ParsedBundle relaid = parser.parse(BundleTestSupport.fixture("support-refund-relaid.yaml"));

        assertThat(relaid.canonicalJson()).isEqualTo(demo.canonicalJson());
        assertThat(relaid.versionId()).isEqualTo(demo.versionId());
        assertThat(relaid.spec()).isEqualTo(demo.spec());
    }

    @Test
    void explicitDefaultsGiveTheSameIdAsOmittedOnes() {
        String omitted = """
                name: d
                system_prompt: p
                tools:
                  - {name: t, description: d, implementation: builtin:lookup_order, parameters: {type: object}}
                model: {provider: scripted, model: m, script: [{tool_calls: [{tool: t}]}]}
                """;
        String explicit = """
                format: 1
                name: d
                description: ""
                system_prompt: p
                tools:
                  - {name: t, description: d, implementation: builtin:lookup_order, parameters: {type: object},
                     policy: allow, idempotent: false}
                model:
                  provider: scripted
                  model: m
                  parameters: {}
                  script: [{tool_calls: [{tool: t, arguments: {}}], latency_ms: 0, usage: {input_tokens: 0, output_tokens: 0}}]
                limits: {max_steps: 20, max_tokens: 0, max_cost_usd: 0, max_wall_time_seconds: 0}
                """;

        assertThat(parser.parse(explicit).versionId()).isEqualTo(parser.parse(omitted).versionId());
    }

    @Test
    void theLaterLimitsAtTheirDefaultsKeepTheIdOfABundleWrittenBeforeThem_andOtherValuesChangeIt() {
        String before = BundleTestSupport.demoYaml();
        String limits = "limits:\n";
        assertThat(before).contains(limits);
        String defaults = before.replace(limits, limits + "  loop_threshold: 3\n  tool_timeout_seconds: 30\n");
        String other = before.replace(limits, limits + "  loop_threshold: 5\n");
        String toolTimeout = before.replace("policy: allow", "policy: allow\n    timeout_seconds: 30");

        ParsedBundle demo = parser.parse(before);
        assertThat(parser.parse(defaults).versionId()).isEqualTo(demo.versionId());
        assertThat(parser.parse(defaults).canonicalJson()).doesNotContain("loop_threshold", "tool_timeout_seconds");
        assertThat(parser.parse(other).versionId()).isNotEqualTo(demo.versionId());
        assertThat(parser.parse(other).spec().limits().loopThreshold()).isEqualTo(5);
        assertThat(parser.parse(toolTimeout).versionId()).isNotEqualTo(demo.versionId());
        assertThat(parser.parse(toolTimeout).spec().tools().get(0).timeoutMs()).isEqualTo(30_000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "system prompt    | for an online store.  | for a web shop.",
            "tool description | by its id;          | by its number;",
            "tool schema      | maxLength: 500      | maxLength: 501",
            "max steps        | max_steps: 8        | max_steps: 9",
            "max cost         | max_cost_usd: 0.50  | max_cost_usd: 0.51",
            "script argument  | reason: Arrived damaged | reason: Arrived late",
            "script latency   | latency_ms: 320     | latency_ms: 321",
            "model parameter  | temperature: 0      | temperature: 0.1",
            "description      | Answers refund requests | Handles refund requests",
    })
    void anySemanticChangeGivesAnotherId(String what, String from, String to) {
        String demo = BundleTestSupport.demoYaml();
        assertThat(demo).as(what).contains(from);
        String changed = demo.replaceFirst(Pattern.quote(from), Matcher.quoteReplacement(to));

        assertThat(parser.parse(changed).versionId()).as(what).isNotEqualTo(parser.parse(demo).versionId());
    }

    @Test
    void changingAToolPolicyGivesAnotherId() {
        String demo = BundleTestSupport.demoYaml();
        String from = "implementation: builtin:get_refund_policy\n    policy: allow";
        assertThat(demo).contains(from);
        String changed = demo.replace(from, "implementation: builtin:get_refund_policy\n    policy: ask");

        assertThat(parser.parse(changed).versionId()).isNotEqualTo(parser.parse(demo).versionId());
    }

    @Test
    void renamingAToolEverywhereGivesAnotherId() {
        String demo = BundleTestSupport.demoYaml();
        String renamed = demo.replace("get_refund_policy", "read_refund_policy")
                .replace("builtin:read_refund_policy", "builtin:get_refund_policy");

        assertThat(parser.parse(renamed).versionId()).isNotEqualTo(parser.parse(demo).versionId());
    }

    @ParameterizedTest(name = "{0} == {1}")
    @CsvSource(delimiter = '|', value = {
            "1.0     | 1",
            "1.50    | 1.5",
            "1e3     | 1000",
            "1.0e+3  | 1000",
            "0x10    | 16",
            "-0.0    | 0",
            "0.000001 | 0.000001",
            "12345678901234567890123 | 12345678901234567890123",
    })
    void numbersAreWrittenByValue(String written, String canonical) {
        ParsedBundle bundle = parser.parse("""
                name: n
                system_prompt: p
                model: {provider: scripted, model: m, parameters: {x: %s}, script: [{text: t}]}
                """.formatted(written));

        assertThat(bundle.spec().model().parametersJson()).isEqualTo("{\"x\":" + canonical + "}");
    }

    @Test
    void canonicalJsonSortsKeysAtEveryLevelAndHasNoWhitespaceOutsideStrings() {
        ParsedBundle bundle = parser.parse("""
                name: s
                system_prompt: p
                tools:
                  - name: t
                    description: d
                    implementation: builtin:lookup_order
                    parameters:
                      type: object
                      properties:
                        zeta: {type: string}
                        alpha: {type: object, properties: {b: {type: string}, a: {type: string}}}
                model: {provider: scripted, model: m, parameters: {top_p: 1, max: 2}, script: [{text: t}]}
                """);

        assertThat(bundle.spec().tools().get(0).parametersJson()).isEqualTo(
                "{\"properties\":{\"alpha\":{\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"type\":\"string\"}},"
                        + "\"type\":\"object\"},\"zeta\":{\"type\":\"string\"}},\"type\":\"object\"}");
        assertThat(bundle.spec().model().parametersJson()).isEqualTo("{\"max\":2,\"top_p\":1}");
        assertThat(bundle.canonicalJson()).doesNotContain(" :", ": ", ", ", "\n");
    }

    @Test
    void versionIdIsTheSha256OfTheCanonicalJson() {
        ParsedBundle bundle = parser.parse(BundleTestSupport.demoYaml());

        assertThat(bundle.versionId()).isEqualTo(CanonicalJson.sha256Hex(bundle.canonicalJson()));
        assertThat(CanonicalJson.sha256Hex("")).isEqualTo(
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void parsingTwiceGivesTheSameResult() {
        String yaml = BundleTestSupport.demoYaml();
        assertThat(parser.parse(yaml)).isEqualTo(parser.parse(yaml));
    }
}

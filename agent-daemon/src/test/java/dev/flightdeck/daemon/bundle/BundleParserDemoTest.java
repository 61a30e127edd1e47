package dev.flightdeck.daemon.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BundleParserDemoTest {
    private final BundleParser parser = BundleTestSupport.parser();

    @Test
    void demoBundleParses() {
        ParsedBundle bundle = parser.parse(BundleTestSupport.demoYaml());
        System.out.println(bundle.canonicalJson());
        System.out.println(bundle.versionId());
        BundleSpec spec = bundle.spec();
        assertThat(spec.name()).isEqualTo("support-refund");
        assertThat(spec.tools()).extracting(ToolSpec::name)
                .containsExactly("lookup_order", "get_refund_policy", "check_refund_eligibility");
        assertThat(spec.tools()).allSatisfy(tool -> {
            assertThat(tool.policy()).isEqualTo(ToolPolicy.ALLOW);
            assertThat(tool.implementation()).isEqualTo("builtin:" + tool.name());
        });
        assertThat(spec.model().provider()).isEqualTo("scripted");
        assertThat(spec.limits().maxSteps()).isEqualTo(8);
        assertThat(spec.limits().maxCostMicros()).isEqualTo(500_000);
        assertThat(bundle.versionId()).matches("[0-9a-f]{64}");
    }
}

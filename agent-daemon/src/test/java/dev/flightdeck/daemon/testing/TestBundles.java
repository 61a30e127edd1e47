package dev.flightdeck.daemon.testing;


/** Bundle YAML for tests: the demo bundle, and small scripted bundles built from parts. */
public final class TestBundles {
    private TestBundles() {
    }

    public static String demo() {
        return dev.flightdeck.daemon.bundle.BundleParser.demoBundleYaml();
    }

    /** The approvals demo bundle {@code refund-with-approval}: issue_refund (policy ask) gated. */
    public static String refundWithApproval() {
        return dev.flightdeck.daemon.bundle.BundleParser.demoBundleYamls().get(1);
    }

    /** A one-turn bundle that answers {@code answer} at once. */
    public static String answering(String name, String answer) {
        return scripted(name, 20, "allow", "    - text: \"" + answer + "\"\n");
    }

    /**
     * A bundle with one tool {@code lookup_order} (builtin:lookup_order) under {@code policy}, and
     * the given script turns (YAML list items indented by 4 spaces).
     */
    public static String scripted(String name, int maxSteps, String policy, String scriptTurns) {
        return "name: " + name + "\n"
                + "description: test bundle " + name + "\n"
                + "system_prompt: You are a test agent for {{tenant}}.\n"
                + "tools:\n"
                + "  - name: lookup_order\n"
                + "    description: Look up an order\n"
                + "    implementation: builtin:lookup_order\n"
                + "    policy: " + policy + "\n"
                + "    parameters:\n"
                + "      type: object\n"
                + "      properties:\n"
                + "        order_id: {type: string}\n"
                + "      required: [order_id]\n"
                + "model:\n"
                + "  provider: scripted\n"
                + "  model: test-1\n"
                + "  script:\n"
                + scriptTurns
                + "limits:\n"
                + "  max_steps: " + maxSteps + "\n";
    }

    /** A script turn calling lookup_order. */
    public static String lookupTurn(String orderId, int latencyMs) {
        return "    - tool_calls:\n"
                + "        - tool: lookup_order\n"
                + "          arguments: {order_id: \"" + orderId + "\"}\n"
                + "      latency_ms: " + latencyMs + "\n";
    }

    public static String textTurn(String text, int latencyMs) {
        return "    - text: \"" + text + "\"\n      latency_ms: " + latencyMs + "\n";
    }
}

package dev.flightdeck.daemon.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Whatever the input, parse either succeeds or throws InvalidBundleException — nothing else. */
class BundleFuzzTest {
    private static final String ALPHABET = ":-[]{},#&*!|>'\"%@`? \n\t\\0aZ9.~=\u00e9\u2028\ud83d\ude00";

    private final BundleParser parser = BundleTestSupport.parser();

    private void parseSafely(String yaml, String what) {
        try {
            ParsedBundle bundle = parser.parse(yaml);
            assertThat(bundle.versionId()).as(what).matches("[0-9a-f]{64}");
        } catch (InvalidBundleException e) {
            assertThat(e.problems()).as(what).isNotEmpty();
            assertThat(e.problems()).as(what).allSatisfy(p -> {
                assertThat(p.location()).isNotNull();
                assertThat(p.message()).isNotBlank();
            });
        } catch (RuntimeException | StackOverflowError e) {
            fail(what + " threw " + e + " for input:\n" + yaml, e);
        }
    }

    @Test
    void truncationsOfTheDemoAreHandled() {
        String demo = BundleTestSupport.demoYaml();
        for (int end = 0; end <= demo.length(); end += end < 200 ? 1 : 3) {
            parseSafely(demo.substring(0, end), "demo truncated at " + end);
        }
    }

    @Test
    void truncationsOfTheRelaidFixtureAreHandled() {
        String relaid = BundleTestSupport.fixture("support-refund-relaid.yaml");
        for (int end = 0; end <= relaid.length(); end += 7) {
            parseSafely(relaid.substring(0, end), "relaid fixture truncated at " + end);
        }
    }

    @Test
    void randomlyGarbledBundlesAreHandled() {
        String[] seeds = {BundleTestSupport.demoYaml(), BundleTestSupport.fixture("many-problems.yaml"),
                BundleTestSupport.fixture("support-refund-relaid.yaml")};
        Random random = new Random(20261121L);
        for (int round = 0; round < 1000; round++) {
            StringBuilder text = new StringBuilder(seeds[round % seeds.length]);
            int edits = 1 + random.nextInt(6);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(text.length() + 1);
                switch (random.nextInt(4)) {
                    case 0 -> text.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                    case 1 -> {
                        if (at < text.length()) {
                            text.deleteCharAt(at);
                        }
                    }
                    case 2 -> {
                        if (at < text.length()) {
                            text.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                        }
                    }
                    default -> {
                        // swap a chunk to another place: moves keys across levels
                        int len = Math.min(text.length() - Math.min(at, text.length()), random.nextInt(40));
                        String chunk = text.substring(at, at + len);
                        text.delete(at, at + len);
                        text.insert(random.nextInt(text.length() + 1), chunk);
                    }
                }
            }
            parseSafely(text.toString(), "garbled round " + round);
        }
    }

    @Test
    void pathologicalInputsAreHandled() {
        parseSafely("[".repeat(5000), "deep flow nesting");
        parseSafely("a:\n" + "  - ".repeat(500) + "x\n", "deep block nesting");
        StringBuilder nested = new StringBuilder("name: n\nsystem_prompt: p\nmodel: {provider: scripted, model: m, script: [{text: t}], parameters: ");
        nested.append("{a: ".repeat(200)).append("1").append("}".repeat(200)).append("}\n");
        parseSafely(nested.toString(), "deep parameters");
        parseSafely("a: &a [1]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "alias expansion");
        parseSafely("\u0000\u0001\u0002", "control characters");
        parseSafely("\ufeffname: bom\n", "byte order mark");
        parseSafely("name: \"\\ud800\"\n", "lone surrogate escape");
        parseSafely("? [a, b]\n: c\n", "complex key");
        parseSafely("!!map {a: 1}", "explicit tag");
        parseSafely("name: .inf\n", "infinity");
        parseSafely("name: .nan\nx: -.inf\n", "nan");
        parseSafely("%YAML 1.2\n---\nname: x\n", "directive");
        parseSafely("x: !custom 3\n", "custom tag");
        parseSafely("{a: 1}\n...\n---\n{b: 2}\n", "two documents");
        parseSafely("name: x\nsystem_prompt: p\ntools:\n  - {name: t, description: d, implementation: builtin:lookup_order, "
                + "parameters: {type: object, properties: {a: {type: string, pattern: \"[\"}}}}\n"
                + "model: {provider: scripted, model: m, script: [{tool_calls: [{tool: t, arguments: {a: x}}]}]}\n",
                "invalid regex in schema");
        parseSafely("name: x\nsystem_prompt: p\ntools:\n  - {name: t, description: d, implementation: builtin:lookup_order, "
                + "parameters: {type: object, $defs: {a: {$ref: \"#/$defs/a\"}}, properties: {p: {$ref: \"#/$defs/a\"}}}}\n"
                + "model: {provider: scripted, model: m, script: [{tool_calls: [{tool: t, arguments: {p: 1}}]}]}\n",
                "self-referencing schema");
    }
}

package dev.flightdeck.daemon.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every class of problem is reported with its exact location; all problems at once. */
class BundleProblemsTest {
    private final BundleParser parser = BundleTestSupport.parser();

    /** A valid bundle; tests break one thing in it. */
    private static final String BASE = """
            name: base
            system_prompt: You help.
            tools:
              - name: lookup_order
                description: Look up an order
                implementation: builtin:lookup_order
                parameters:
                  type: object
                  properties:
                    order_id: {type: string, pattern: "^A-[0-9]{4}$"}
                  required: [order_id]
                  additionalProperties: false
              - name: check_refund_eligibility
                description: Check eligibility
                implementation: builtin:check_refund_eligibility
                policy: ask
                parameters:
                  type: object
                  properties:
                    order_id: {type: string}
                    reason: {type: string}
                  required: [order_id, reason]
            model:
              provider: scripted
              model: demo-1
              script:
                - tool_calls:
                    - tool: lookup_order
                      arguments: {order_id: "A-1001"}
                - text: Done.
            limits:
              max_steps: 5
            """;

    private List<BundleProblem> problems(String yaml) {
        InvalidBundleException e = catchThrowableOfType(InvalidBundleException.class, () -> parser.parse(yaml));
        assertThat(e).as("expected the bundle to be rejected").isNotNull();
        assertThat(e.problems()).isNotEmpty();
        assertThat(e.getMessage()).startsWith("invalid bundle: ");
        return e.problems();
    }

    private List<String> problemTexts(String yaml) {
        return problems(yaml).stream().map(BundleProblem::toString).toList();
    }

    private static String replace(String from, String to) {
        assertThat(BASE).contains(from);
        return BASE.replace(from, to);
    }

    @Test
    void baseBundleIsValid() {
        assertThat(parser.parse(BASE).spec().tools()).hasSize(2);
    }

    @Test
    void yamlSyntaxErrorHasLineAndColumn() {
        List<BundleProblem> problems = problems("name: base\nsystem_prompt: [unclosed\nmodel: {}\n");

        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).location()).isEmpty();
        assertThat(problems.get(0).message()).startsWith("YAML syntax error at line ").contains("column");
    }

    @Test
    void badIndentationIsASyntaxErrorAtItsLine() {
        assertThat(problemTexts("name: base\nmodel:\n  provider: scripted\n model: m\n"))
                .singleElement().asString().startsWith("YAML syntax error at line 4, column 2");
    }

    @Test
    void duplicateKeysAreReportedNotSilentlyOverwritten() {
        assertThat(problemTexts(BASE + "name: other\n"))
                .singleElement().asString().startsWith("YAML syntax error at line").contains("Duplicate field 'name'");
    }

    @Test
    void aliasesAreRefused() {
        assertThat(problemTexts("name: &n base\nsystem_prompt: *n\n"))
                .singleElement().asString().contains("YAML aliases are not supported (found *n)");
    }

    @Test
    void moreThanOneDocumentIsRefused() {
        assertThat(problemTexts(BASE + "---\nname: second\n"))
                .singleElement().asString().contains("exactly one YAML document");
    }

    @Test
    void emptyAndNonMappingFilesAreRefused() {
        assertThat(problemTexts("")).containsExactly("bundle is empty");
        assertThat(problemTexts("# just a comment\n")).containsExactly("bundle is empty");
        assertThat(problemTexts("- a\n- b\n")).containsExactly("a bundle is a YAML mapping of format v1 fields, got a list");
        assertThat(problemTexts("just text")).containsExactly("a bundle is a YAML mapping of format v1 fields, got a string");
    }

    @Test
    void oversizedInputIsRefusedBeforeParsing() {
        String huge = BASE + "description: \"" + "x".repeat(YamlReader.MAX_BYTES) + "\"\n";

        assertThat(problemTexts(huge)).singleElement().asString()
                .startsWith("bundle is too large: ").contains("1 MiB");
    }

    @Test
    void unknownKeysAtEveryLevelAreNamed() {
        String yaml = BASE
                .replace("name: base\n", "name: base\nlabels: [prod]\n")
                .replace("    policy: ask\n", "    polcy: ask\n")
                .replace("  model: demo-1\n", "  model: demo-1\n  temperature: 0\n")
                .replace("  max_steps: 5\n", "  max_steps: 5\n  max_step: 6\n")
                .replace("    - text: Done.\n", "    - text: Done.\n      latency: 3\n")
                .replace("          arguments: {order_id: \"A-1001\"}\n",
                        "          arguments: {order_id: \"A-1001\"}\n          id: call-1\n");

        assertThat(problemTexts(yaml)).containsExactlyInAnyOrder(
                "labels: unknown property \"labels\"",
                "tools[1].polcy: unknown property \"polcy\"",
                "model.temperature: unknown property \"temperature\"",
                "model.script[0].tool_calls[0].id: unknown property \"id\"",
                "model.script[1].latency: unknown property \"latency\"",
                "limits.max_step: unknown property \"max_step\"");
    }

    @Test
    void missingRequiredFieldsAreNamed() {
        String yaml = """
                tools:
                  - name: t
                model: {}
                """;

        assertThat(problemTexts(yaml)).containsExactlyInAnyOrder(
                "name: required",
                "system_prompt: required",
                "tools[0].description: required",
                "tools[0].implementation: required",
                "tools[0].parameters: required (a JSON Schema of the arguments object)",
                "model.provider: required",
                "model.model: required");
        assertThat(problemTexts("name: x\nsystem_prompt: p\n")).containsExactly("model: required (provider and model)");
    }

    @Test
    void wrongTypesAreReportedWithWhatWasFound() {
        String yaml = BASE
                .replace("system_prompt: You help.", "system_prompt: [You, help]")
                .replace("    policy: ask\n", "    policy: ask\n    idempotent: \"yes\"\n")
                .replace("  max_steps: 5", "  max_steps: five");

        assertThat(problemTexts(yaml)).containsExactlyInAnyOrder(
                "system_prompt: expected a string, got a list",
                "tools[1].idempotent: expected true or false, got a string",
                "limits.max_steps: expected an integer, got a string");
        assertThat(problemTexts(BASE.replace("limits:\n  max_steps: 5\n", "limits: 5\n")))
                .containsExactly("limits: expected a mapping, got a number (5)");
        assertThat(problemTexts(BASE.replace("tools:\n", "tools: {}\nx:\n")))
                .contains("tools: expected a list of tools, got a mapping");
    }

    @Test
    void yaml11BooleansAndNumbersInNamesAreTypeErrors() {
        assertThat(problemTexts(BASE.replace("name: base", "name: no"))).singleElement().asString()
                .startsWith("name: expected a string, got a boolean (false)").contains("quote");
        assertThat(problemTexts(BASE.replace("  - name: lookup_order", "  - name: on")
                .replace("tool: lookup_order", "tool: \"on\"")))
                .contains("tools[0].name: expected a string, got a boolean (true); YAML reads unquoted "
                        + "yes/no/on/off/true/false as booleans, so quote the text");
        assertThat(problemTexts(BASE.replace("name: base", "name: 2024"))).singleElement().asString()
                .startsWith("name: expected a string, got a number (2024)");
    }

    @Test
    void badNamePatternsAreReported() {
        assertThat(problemTexts(BASE.replace("name: base", "name: Base_Bundle"))).singleElement().asString()
                .startsWith("name: invalid bundle name \"Base_Bundle\"");
        assertThat(problemTexts(BASE.replace("name: base", "name: " + "a".repeat(64)))).singleElement().asString()
                .startsWith("name: invalid bundle name");
        assertThat(parser.parse(BASE.replace("name: base", "name: " + "a".repeat(63))).spec().name()).hasSize(63);
        assertThat(problemTexts(BASE.replace("  - name: check_refund_eligibility", "  - name: check refund")))
                .singleElement().asString().startsWith("tools[1].name: invalid tool name \"check refund\"");
        assertThat(problemTexts(BASE.replace("  - name: check_refund_eligibility", "  - name: 1check")))
                .singleElement().asString().startsWith("tools[1].name: invalid tool name \"1check\"");
    }

    @Test
    void unsupportedFormatIsReported() {
        assertThat(problemTexts("format: 2\n" + BASE))
                .containsExactly("format: unsupported format 2 (this daemon reads format 1)");
        assertThat(parser.parse("format: 1\n" + BASE).versionId()).isEqualTo(parser.parse(BASE).versionId());
    }

    @Test
    void duplicateToolNamesAreReportedAtTheSecond() {
        String yaml = replace("  - name: check_refund_eligibility", "  - name: lookup_order");

        assertThat(problemTexts(yaml)).containsExactly("tools[1].name: duplicate tool name \"lookup_order\" (also tools[0])");
    }

    @Test
    void unknownImplementationAndProviderAreReported() {
        String yaml = BASE.replace("implementation: builtin:check_refund_eligibility", "implementation: builtin:issue_refund")
                .replace("provider: scripted", "provider: openai")
                .replace("  script:\n", "  scriptx:\n");

        assertThat(problemTexts(yaml)).contains(
                "tools[1].implementation: unknown implementation \"builtin:issue_refund\" (this daemon serves: "
                        + "builtin:check_refund_eligibility, builtin:get_refund_policy, builtin:lookup_order)",
                "model.provider: unknown provider \"openai\" (this daemon knows: scripted)");
    }

    @Test
    void invalidPolicyIsReported() {
        assertThat(problemTexts(replace("policy: ask", "policy: Ask")))
                .containsExactly("tools[1].policy: invalid policy \"Ask\" (expected allow, ask or deny)");
    }

    @Test
    void parametersThatAreNotAValidJsonSchemaAreReportedUnderTheTool() {
        String yaml = replace("    order_id: {type: string, pattern: \"^A-[0-9]{4}$\"}",
                "    order_id: {type: strng, minLength: -1}");

        List<String> problems = problemTexts(yaml);
        assertThat(problems).contains("tools[0].parameters.properties.order_id.minLength: must have a minimum value of 0");
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("tools[0].parameters.properties.order_id.type: "));
        assertThat(problems).allSatisfy(p -> assertThat(p).startsWith("tools[0].parameters.properties.order_id."));
    }

    @Test
    void parametersMustDescribeAnObject() {
        assertThat(problemTexts(replace("""
                    parameters:
                      type: object
                      properties:
                        order_id: {type: string}
                        reason: {type: string}
                      required: [order_id, reason]
                """, """
                    parameters:
                      type: array
                """))).containsExactly("tools[1].parameters.type: must be \"object\" (a tool's arguments are an object), got \"array\"");
        assertThat(problemTexts(replace("""
                      type: object
                      properties:
                        order_id: {type: string}
                        reason: {type: string}
                """, """
                      properties:
                        order_id: {type: string}
                        reason: {type: string}
                """))).containsExactly("tools[1].parameters.type: required: a tool's parameters are an object (type: object)");
        assertThat(problemTexts(replace("    parameters:\n      type: object\n      properties:\n        order_id: {type: string}\n",
                "    parameters: object\n    x:\n      properties:\n        order_id: {type: string}\n")))
                .contains("tools[1].parameters: expected a JSON Schema object, got a string");
    }

    @Test
    void aWrongRootTypeIsReportedOnce() {
        assertThat(problemTexts(replace("    policy: ask\n    parameters:\n      type: object\n",
                "    policy: ask\n    parameters:\n      type: objekt\n")))
                .containsExactly("tools[1].parameters.type: must be \"object\" (a tool's arguments are an object), got \"objekt\"");
        assertThat(problemTexts(replace("    policy: ask\n    parameters:\n      type: object\n",
                "    policy: ask\n    parameters:\n      type: [object, \"null\"]\n")))
                .containsExactly("tools[1].parameters.type: must be \"object\" (a tool's arguments are an object), got a list");
    }

    @Test
    void longValuesAreCutInMessages() {
        String longName = "x".repeat(500);
        assertThat(problemTexts(replace("implementation: builtin:lookup_order", "implementation: " + longName)))
                .singleElement().asString()
                .startsWith("tools[0].implementation: unknown implementation \"" + "x".repeat(80) + "\u2026\" (this daemon");
    }

    @Test
    void requiredEntryNotInPropertiesIsAnUnknownProperty() {
        String yaml = replace("required: [order_id, reason]", "required: [amount, order_id, reason, currency]");

        assertThat(problemTexts(yaml)).containsExactly(
                "tools[1].parameters.required[0]: unknown property \"amount\"",
                "tools[1].parameters.required[3]: unknown property \"currency\"");
    }

    @Test
    void schemasMustBeSelfContainedDraft202012() {
        assertThat(problemTexts(replace("      additionalProperties: false\n",
                "      additionalProperties: false\n      $ref: \"https://example.com/order.json\"\n")))
                .singleElement().asString().startsWith("tools[0].parameters: not a usable JSON Schema: ")
                .contains("https://example.com/order.json");
        assertThat(problemTexts(replace("      additionalProperties: false\n",
                "      additionalProperties: false\n      $schema: \"http://json-schema.org/draft-07/schema#\"\n")))
                .singleElement().asString().startsWith("tools[0].parameters.$schema: only JSON Schema draft 2020-12 is supported");
        assertThat(parser.parse(replace("      additionalProperties: false\n",
                "      additionalProperties: false\n      $schema: \"https://json-schema.org/draft/2020-12/schema\"\n")))
                .isNotNull();
    }

    @Test
    void invalidRegularExpressionsInSchemasAreReported() {
        assertThat(problemTexts(replace("pattern: \"^A-[0-9]{4}$\"", "pattern: \"^A-[0-9{4}$\"")))
                .containsExactly("tools[0].parameters.properties.order_id.pattern: invalid regular expression: "
                        + "Unclosed character class near index 10");
    }

    @Test
    void refLoopsThatNeverDescendAreReportedButRecursiveSchemasAreFine() {
        String tool = """
                name: x
                system_prompt: p
                tools:
                  - name: t
                    description: d
                    implementation: builtin:lookup_order
                    parameters:
                      type: object
                      $defs:
                        %s
                      properties:
                        p: {$ref: "#/$defs/a"}
                model: {provider: scripted, model: m, script: [{text: hi}]}
                """;
        assertThat(problemTexts(tool.formatted("a: {allOf: [{$ref: \"#/$defs/b\"}]}\n        b: {$ref: \"#/$defs/a\"}")))
                .singleElement().asString().startsWith("tools[0].parameters.$defs.a.allOf[0].$ref: $ref loop");
        assertThat(parser.parse(tool.formatted(
                "a: {type: object, properties: {children: {type: array, items: {$ref: \"#/$defs/a\"}}}}")))
                .isNotNull();
    }

    @Test
    void stringsThatAreNotValidUnicodeAreRefused() {
        assertThat(problemTexts(replace("system_prompt: You help.", "system_prompt: \"You \\ud800help.\"")))
                .containsExactly("system_prompt: string is not valid Unicode (unpaired surrogate)");
    }

    @Test
    void scriptCallingAnUnknownToolIsReported() {
        assertThat(problemTexts(replace("- tool: lookup_order", "- tool: issue_refund"))).containsExactly(
                "model.script[0].tool_calls[0].tool: unknown tool \"issue_refund\" (not in tools: "
                        + "check_refund_eligibility, lookup_order)");
    }

    @Test
    void scriptArgumentsAreCheckedAgainstTheToolSchema() {
        assertThat(problemTexts(replace("arguments: {order_id: \"A-1001\"}", "arguments: {order_id: \"B-1\", amount: 3}")))
                .containsExactly(
                        "model.script[0].tool_calls[0].arguments: property 'amount' is not defined in the schema and "
                                + "the schema does not allow additional properties",
                        "model.script[0].tool_calls[0].arguments.order_id: does not match the regex pattern ^A-[0-9]{4}$");
        assertThat(problemTexts(replace("arguments: {order_id: \"A-1001\"}", "arguments: {}")))
                .containsExactly("model.script[0].tool_calls[0].arguments: required property 'order_id' not found");
        assertThat(problemTexts(replace("arguments: {order_id: \"A-1001\"}", "arguments: [A-1001]")))
                .containsExactly("model.script[0].tool_calls[0].arguments: expected a mapping of argument names to values, got a list");
    }

    @Test
    void aTurnHasExactlyOneOfTextAndToolCalls() {
        assertThat(problemTexts(replace("    - text: Done.\n", "    - text: Done.\n      tool_calls: [{tool: lookup_order, arguments: {order_id: A-1002}}]\n")))
                .containsExactly("model.script[1]: a turn has exactly one of \"text\" or \"tool_calls\", found both");
        assertThat(problemTexts(replace("    - text: Done.\n", "    - latency_ms: 100\n")))
                .containsExactly("model.script[1]: a turn has exactly one of \"text\" or \"tool_calls\", found neither");
        assertThat(problemTexts(replace("    - text: Done.\n", "    - tool_calls: []\n")))
                .containsExactly("model.script[1].tool_calls: must have at least one tool call (use text for a final answer)");
    }

    @Test
    void scriptIsRequiredForScriptedAndForbiddenOtherwise() {
        String withoutScript = BASE.replaceAll("(?s)  script:.*?\nlimits:", "limits:");
        assertThat(problemTexts(withoutScript))
                .containsExactly("model.script: required when provider is \"scripted\": the turns the model plays");
        assertThat(problemTexts(replace("  script:\n", "  script: []\n  x:\n")))
                .contains("model.script: must have at least one turn");

        BundleParser twoProviders = new BundleParser(java.util.Set.of("scripted", "openai"), BundleTestSupport.IMPLEMENTATIONS);
        InvalidBundleException e = catchThrowableOfType(InvalidBundleException.class,
                () -> twoProviders.parse(replace("provider: scripted", "provider: openai")));
        assertThat(e.problems()).extracting(BundleProblem::toString)
                .containsExactly("model.script: only allowed when provider is \"scripted\"");
        assertThat(twoProviders.parse(withoutScript.replace("provider: scripted", "provider: openai"))
                .spec().model().scriptJson()).isEqualTo("[]");
    }

    @Test
    void negativeNumbersAreReported() {
        String yaml = BASE
                .replace("    - text: Done.\n", "    - text: Done.\n      latency_ms: -1\n      usage: {input_tokens: -2, output_tokens: 3}\n")
                .replace("  max_steps: 5\n", "  max_steps: 0\n  max_tokens: -1\n  max_cost_usd: -0.5\n  max_wall_time_seconds: -60\n");

        assertThat(problemTexts(yaml)).containsExactlyInAnyOrder(
                "model.script[1].latency_ms: must be >= 0, got -1",
                "model.script[1].usage.input_tokens: must be >= 0, got -2",
                "limits.max_steps: must be >= 1, got 0",
                "limits.max_tokens: must be >= 0, got -1",
                "limits.max_cost_usd: must be >= 0, got -0.5",
                "limits.max_wall_time_seconds: must be >= 0, got -60");
    }

    @Test
    void costIsStoredAsWholeMicroDollars() {
        assertThat(parser.parse(replace("  max_steps: 5\n", "  max_steps: 5\n  max_cost_usd: 1.234567\n"))
                .spec().limits().maxCostMicros()).isEqualTo(1_234_567);
        assertThat(parser.parse(replace("  max_steps: 5\n", "  max_steps: 5\n  max_cost_usd: 2\n"))
                .canonicalJson()).contains("\"max_cost_micros\":2000000");
        assertThat(problemTexts(replace("  max_steps: 5\n", "  max_steps: 5\n  max_cost_usd: 0.0000001\n")))
                .containsExactly("limits.max_cost_usd: at most 6 decimal places (whole micro-dollars), got 0.0000001");
        assertThat(problemTexts(replace("  max_steps: 5\n", "  max_steps: 5\n  max_cost_usd: \"0.50\"\n")))
                .containsExactly("limits.max_cost_usd: expected a number of US dollars, got a string");
    }

    @Test
    void loopThresholdAndToolTimeoutsAreCheckedWithTheirLocations() {
        assertThat(problemTexts(replace("  max_steps: 5\n",
                "  max_steps: 5\n  loop_threshold: 1\n  tool_timeout_seconds: 0\n")))
                .containsExactly("limits.loop_threshold: must be 0 (loop detection off) or >= 2, got 1",
                        "limits.tool_timeout_seconds: must be >= 1, got 0");
        assertThat(problemTexts(replace("  max_steps: 5\n", "  max_steps: 5\n  tool_timeout_seconds: 86401\n")))
                .containsExactly("limits.tool_timeout_seconds: must be <= 86400, got 86401");
        assertThat(problemTexts(replace("implementation: builtin:lookup_order",
                "implementation: builtin:lookup_order\n    timeout_seconds: soon")))
                .containsExactly("tools[0].timeout_seconds: expected an integer, got a string");
    }

    @Test
    void integerFieldsAcceptWholeDecimalsButNotFractions() {
        assertThat(parser.parse(replace("max_steps: 5", "max_steps: 5.0")).spec().limits().maxSteps()).isEqualTo(5);
        assertThat(problemTexts(replace("max_steps: 5", "max_steps: 5.5")))
                .containsExactly("limits.max_steps: expected an integer, got a number (5.5)");
        assertThat(problemTexts(replace("max_steps: 5", "max_steps: 3000000000")))
                .containsExactly("limits.max_steps: must be <= 2147483647, got 3000000000");
    }

    @Test
    void valuesWithoutAJsonFormAreRefused() {
        assertThat(problemTexts(replace("  model: demo-1\n", "  model: demo-1\n  parameters: {seed: !!binary aGVsbG8=}\n")))
                .singleElement().asString().startsWith("model.parameters.seed: unsupported YAML value (binary data)");
        assertThat(problemTexts(replace("  model: demo-1\n", "  model: demo-1\n  parameters: {x: 1e400000}\n")))
                .singleElement().asString().startsWith("model.parameters.x: number out of range");
    }

    @Test
    void keysThatAreNotIdentifiersAreQuotedInLocations() {
        assertThat(problemTexts(replace("        reason: {type: string}\n",
                "        reason: {type: string}\n        \"order id\": {type: 1}\n")))
                .allSatisfy(p -> assertThat(p).startsWith("tools[1].parameters.properties[\"order id\"].type: "));
    }

    @Test
    void manyProblemsInOneFileAreAllReported() {
        List<String> problems = problemTexts(BundleTestSupport.fixture("many-problems.yaml"));

        assertThat(problems).contains(
                "name: invalid bundle name \"Support Refund\": use 1 to 63 lowercase letters, digits and dashes, starting with a letter",
                "owner: unknown property \"owner\"",
                "system_prompt: must not be empty",
                "tools[0].polcy: unknown property \"polcy\"",
                "tools[0].implementation: unknown implementation \"builtin:issue_refund\" (this daemon serves: "
                        + "builtin:check_refund_eligibility, builtin:get_refund_policy, builtin:lookup_order)",
                "tools[1].policy: invalid policy \"maybe\" (expected allow, ask or deny)",
                "tools[1].parameters.required[0]: unknown property \"amount\"",
                "tools[2].name: duplicate tool name \"lookup_order\" (also tools[1])",
                "tools[2].parameters.type: must be \"object\" (a tool's arguments are an object), got \"string\"",
                "model.provider: unknown provider \"openai\" (this daemon knows: scripted)",
                "model.script[0].tool_calls[0].tool: unknown tool \"send_email\" (not in tools: issue_refund, lookup_order)",
                "model.script[1]: a turn has exactly one of \"text\" or \"tool_calls\", found both",
                "model.script[2].latency_ms: must be >= 0, got -100",
                "limits.max_steps: must be >= 1, got 0",
                "limits.max_cost_usd: must be >= 0, got -1");
        assertThat(problems).hasSizeGreaterThanOrEqualTo(15);
    }

    @Test
    void problemsPrintAsLocationColonMessage() {
        assertThat(new BundleProblem("tools[0].polcy", "unknown property \"polcy\"").toString())
                .isEqualTo("tools[0].polcy: unknown property \"polcy\"");
        assertThat(new BundleProblem("", "bundle is empty").toString()).isEqualTo("bundle is empty");
    }
}

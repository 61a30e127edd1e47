package dev.flightdeck.daemon.bundle;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The model keys of HTTP providers: base_url, api_key, max_attempts, timeout_seconds, rate_limit, fallbacks. */
class BundleHttpModelTest {
    private final BundleParser parser = new BundleParser(Set.of("scripted", "openai", "anthropic"),
            BundleTestSupport.IMPLEMENTATIONS);

    private static String bundle(String modelYaml) {
        return "name: http\nsystem_prompt: Answer.\nmodel:\n" + modelYaml;
    }

    private List<String> problems(String yaml) {
        InvalidBundleException e = catchThrowableOfType(InvalidBundleException.class, () -> parser.parse(yaml));
        assertThat(e).as("expected the bundle to be rejected").isNotNull();
        return e.problems().stream().map(BundleProblem::toString).toList();
    }

    @Test
    void defaultsAreAppliedAndWrittenIntoTheCanonicalJson() {
        ParsedBundle b = parser.parse(bundle("  provider: openai\n  model: gpt-4o\n"));

        assertThat(b.canonicalJson()).contains("\"model\":{\"api_key\":\"secret:OPENAI_API_KEY\","
                + "\"base_url\":\"https://api.openai.com/v1\",\"fallbacks\":[],\"max_attempts\":3,\"model\":\"gpt-4o\","
                + "\"parameters\":{},\"provider\":\"openai\",\"rate_limit\":{\"requests_per_minute\":0,"
                + "\"tokens_per_minute\":0},\"script\":[],\"timeout_seconds\":60}");
        ModelSpec m = b.spec().model();
        assertThat(m.baseUrl()).isEqualTo("https://api.openai.com/v1");
        assertThat(m.apiKey()).isEqualTo("secret:OPENAI_API_KEY");
        assertThat(m.maxAttempts()).isEqualTo(3);
        assertThat(m.timeoutSeconds()).isEqualTo(60);
        assertThat(m.fallbacks()).isEmpty();
    }

    @Test
    void explicitDefaultsGiveTheSameVersion() {
        ParsedBundle omitted = parser.parse(bundle("  provider: anthropic\n  model: claude-sonnet-4-5\n"));
        ParsedBundle explicit = parser.parse(bundle("""
                  provider: anthropic
                  model: claude-sonnet-4-5
                  base_url: https://api.anthropic.com/
                  api_key: secret:ANTHROPIC_API_KEY
                  max_attempts: 3
                  timeout_seconds: 60
                  rate_limit: {requests_per_minute: 0, tokens_per_minute: 0}
                  fallbacks: []
                """));

        assertThat(explicit.versionId()).isEqualTo(omitted.versionId());
    }

    @Test
    void aFullConfigurationWithAFallbackChain() {
        ParsedBundle b = parser.parse(bundle("""
                  provider: openai
                  model: llama3.1:8b
                  base_url: http://localhost:11434/v1
                  api_key: none
                  max_attempts: 2
                  timeout_seconds: 120
                  rate_limit: {requests_per_minute: 30, tokens_per_minute: 60000}
                  fallbacks:
                    - provider: anthropic
                      model: claude-haiku-4-5
                      parameters: {max_tokens: 1024}
                      rate_limit: {requests_per_minute: 50}
                    - {provider: openai, model: gpt-4o-mini, max_attempts: 1}
                """));

        ModelSpec m = b.spec().model();
        assertThat(m.baseUrl()).isEqualTo("http://localhost:11434/v1");
        assertThat(m.apiKey()).isEqualTo("none");
        assertThat(m.requestsPerMinute()).isEqualTo(30);
        assertThat(m.tokensPerMinute()).isEqualTo(60000);
        assertThat(m.fallbacks()).hasSize(2);
        ModelSpec first = m.fallbacks().get(0);
        assertThat(first.provider()).isEqualTo("anthropic");
        assertThat(first.baseUrl()).isEqualTo("https://api.anthropic.com");
        assertThat(first.apiKey()).isEqualTo("secret:ANTHROPIC_API_KEY");
        assertThat(first.parametersJson()).isEqualTo("{\"max_tokens\":1024}");
        assertThat(first.requestsPerMinute()).isEqualTo(50);
        assertThat(first.maxAttempts()).isEqualTo(3);
        assertThat(m.fallbacks().get(1).maxAttempts()).isEqualTo(1);
        assertThat(m.fallbacks().get(1).baseUrl()).isEqualTo("https://api.openai.com/v1");
    }

    @Test
    void everyProblemIsReportedWithItsLocation() {
        assertThat(problems(bundle("""
                  provider: openai
                  model: gpt-4o
                  base_url: ftp://example.com/v1
                  api_key: "secret:"
                  max_attempts: 0
                  timeout_seconds: 0
                  rate_limit: {requests_per_minute: -1, per_hour: 5}
                  fallbacks:
                    - provider: opnai
                      model: gpt-4o-mini
                    - provider: scripted
                      model: demo
                    - provider: anthropic
                      model: ""
                      script: []
                      timeout_seconds: 99999
                """))).containsExactly(
                "model.base_url: must be an http:// or https:// URL with a host, e.g. http://localhost:11434/v1",
                "model.api_key: must be a secret handle like \"secret:OPENAI_API_KEY\" (a name of letters, digits and _), "
                        + "or none; the key itself never goes in a bundle",
                "model.max_attempts: must be >= 1, got 0",
                "model.timeout_seconds: must be >= 1, got 0",
                "model.rate_limit.per_hour: unknown property \"per_hour\"",
                "model.rate_limit.requests_per_minute: must be >= 0, got -1",
                "model.fallbacks[0].provider: unknown provider \"opnai\" (this daemon knows: anthropic, openai, scripted)",
                "model.fallbacks[1].provider: \"scripted\" cannot be a fallback (it plays a script, offline)",
                "model.fallbacks[2].script: unknown property \"script\"",
                "model.fallbacks[2].model: must not be empty",
                "model.fallbacks[2].timeout_seconds: must be <= 3600, got 99999");
    }

    @Test
    void credentialsInTheBaseUrlAreRefusedWithoutEchoingThem() {
        assertThat(problems(bundle("  provider: openai\n  model: m\n  base_url: https://user:hunter2@example.com/v1\n")))
                .containsExactly("model.base_url: must not contain a user name or password; put the key in api_key as a secret handle");
    }

    @Test
    void httpKeysAreNotUsedByTheScriptedProvider() {
        assertThat(problems(bundle("""
                  provider: scripted
                  model: demo
                  base_url: http://localhost:1/v1
                  fallbacks: [{provider: openai, model: gpt-4o}]
                  script: [{text: hi}]
                """))).containsExactly(
                "model.base_url: not used by provider \"scripted\" (it makes no HTTP calls)",
                "model.fallbacks: not used by provider \"scripted\" (it makes no HTTP calls)");
    }

    @Test
    void scriptedBundlesKeepTheirCanonicalFormAndVersion() {
        ParsedBundle demo = parser.parse(BundleTestSupport.demoYaml());
        ParsedBundle demoWithScriptedOnly = BundleTestSupport.parser().parse(BundleTestSupport.demoYaml());

        assertThat(demo.versionId()).isEqualTo(demoWithScriptedOnly.versionId());
        assertThat(demo.canonicalJson()).doesNotContain("base_url").doesNotContain("fallbacks");
    }
}

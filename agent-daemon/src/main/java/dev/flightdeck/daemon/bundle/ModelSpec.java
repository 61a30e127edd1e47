package dev.flightdeck.daemon.bundle;

import java.util.List;

/**
 * Which model a bundle calls.
 *
 * @param parametersJson    provider parameters as a canonical JSON object ({@code {}} when none)
 * @param scriptJson        for the {@code scripted} provider, its turns as a canonical JSON array
 *                          (see docs/bundles.md); {@code []} for other providers
 * @param baseUrl           HTTP providers: API base URL, no trailing slash ("" for {@code scripted})
 * @param apiKey            HTTP providers: the key's secret handle {@code secret:NAME}, or {@code none}
 * @param maxAttempts       HTTP providers: attempts at this model before the next in the chain
 * @param timeoutSeconds    HTTP providers: how long one attempt may take
 * @param requestsPerMinute HTTP providers: shared request limit of this provider+model (0 = none)
 * @param tokensPerMinute   HTTP providers: shared token limit of this provider+model (0 = none)
 * @param fallbacks         HTTP providers: the models tried, in order, when this one gives no answer
 *                          (their own {@code fallbacks} are empty)
 */
public record ModelSpec(String provider, String model, String parametersJson, String scriptJson,
                        String baseUrl, String apiKey, int maxAttempts, int timeoutSeconds,
                        int requestsPerMinute, long tokensPerMinute, List<ModelSpec> fallbacks) {
    public ModelSpec {
        fallbacks = List.copyOf(fallbacks);
    }

    /** A model with no HTTP settings (the {@code scripted} provider). */
    public ModelSpec(String provider, String model, String parametersJson, String scriptJson) {
        this(provider, model, parametersJson, scriptJson, "", "none", 1, 0, 0, 0, List.of());
    }
}

package dev.flightdeck.daemon.model;

import java.time.Duration;

/**
 * One model an HTTP provider may call: the primary model of a bundle, or one of its fallbacks.
 *
 * @param provider          provider name, e.g. {@code openai} or {@code anthropic}
 * @param model             the provider's model id
 * @param baseUrl           API base URL without a trailing slash, e.g. {@code https://api.openai.com/v1}
 * @param apiKey            the key's secret handle ({@code secret:NAME}) or {@code none}: never the key itself
 * @param parametersJson    provider parameters as a JSON object, merged into the request body
 * @param maxAttempts       attempts at this model before moving on to the next one ({@code >= 1})
 * @param timeout           how long one attempt may take
 * @param requestsPerMinute shared request budget of this provider+model per minute (0 = no limit)
 * @param tokensPerMinute   shared token budget of this provider+model per minute (0 = no limit)
 */
public record ModelTarget(String provider, String model, String baseUrl, String apiKey, String parametersJson,
                          int maxAttempts, Duration timeout, int requestsPerMinute, long tokensPerMinute) {
    public static final String NO_KEY = "none";
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public ModelTarget {
        parametersJson = parametersJson == null || parametersJson.isBlank() ? "{}" : parametersJson;
        baseUrl = baseUrl == null ? "" : baseUrl;
        apiKey = apiKey == null || apiKey.isBlank() ? NO_KEY : apiKey;
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
    }

    /** The secret name of {@link #apiKey()}, or "" when the target sends no key. */
    public String secretName() {
        return apiKey.startsWith("secret:") ? apiKey.substring("secret:".length()) : "";
    }
}

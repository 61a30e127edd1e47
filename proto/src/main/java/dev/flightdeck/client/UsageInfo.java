package dev.flightdeck.client;

/**
 * Tokens and cost of a model call or a run. {@code priced} false means the cost is unknown
 * (some model had no price), which must be shown as "unpriced", never as $0.
 */
public record UsageInfo(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                        long costMicros, boolean priced) {
    public static final UsageInfo NONE = new UsageInfo(0, 0, 0, 0, 0, true);

    public long totalTokens() {
        return inputTokens + cachedInputTokens + outputTokens;
    }
}

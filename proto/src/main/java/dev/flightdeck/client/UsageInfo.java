package dev.flightdeck.client;

/**
 * Tokens and cost of a model call, a run or a group of calls. {@code priced} false means the cost
 * is unknown (some model had no price; {@code costMicros} then sums the priced calls only), which
 * must be shown as "unpriced", never as $0. Costs are integer micro-dollars (1 USD = 1,000,000).
 *
 * @param cacheWriteTokens prompt tokens written to the provider's prompt cache, not included in
 *                         {@code inputTokens}
 */
public record UsageInfo(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                        long costMicros, boolean priced, long cacheWriteTokens) {
    public static final UsageInfo NONE = new UsageInfo(0, 0, 0, 0, 0, true, 0);

    /** Without cache writes (providers that report none). */
    public UsageInfo(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                     long costMicros, boolean priced) {
        this(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, costMicros, priced, 0);
    }

    /** Every prompt token: full-price input, cached input and cache writes. */
    public long promptTokens() {
        return inputTokens + cachedInputTokens + cacheWriteTokens;
    }

    /** Prompt and completion tokens together. */
    public long totalTokens() {
        return promptTokens() + outputTokens;
    }
}

package dev.flightdeck.daemon.model;

/**
 * Tokens and cost of one model call, or summed over a run. Cost is integer micro-dollars;
 * {@code priced} is false when any summed call had no known price.
 *
 * @param inputTokens       prompt tokens billed at the full input price
 * @param cachedInputTokens prompt tokens read from the provider's prompt cache
 * @param outputTokens      completion tokens, reasoning included
 * @param reasoningTokens   of {@code outputTokens}, those spent on hidden reasoning
 * @param costMicros        cost in micro-dollars (meaningful only when {@code priced})
 * @param priced            false when the model (or any summed call's model) had no price
 * @param cacheWriteTokens  prompt tokens written to the provider's prompt cache (Anthropic
 *                          {@code cache_creation_input_tokens}); not part of {@code inputTokens}
 */
public record Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                    long costMicros, boolean priced, long cacheWriteTokens) {
    public static final Usage ZERO = new Usage(0, 0, 0, 0, 0, true, 0);

    /** A usage without cache writes (every provider but Anthropic). */
    public Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens, long costMicros,
                 boolean priced) {
        this(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, costMicros, priced, 0);
    }

    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, cachedInputTokens + other.cachedInputTokens,
                outputTokens + other.outputTokens, reasoningTokens + other.reasoningTokens,
                costMicros + other.costMicros, priced && other.priced, cacheWriteTokens + other.cacheWriteTokens);
    }

    /** This usage with its cost set: {@code costMicros} when priced, 0 and unpriced otherwise. */
    public Usage withCost(long micros, boolean isPriced) {
        return new Usage(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, isPriced ? micros : 0, isPriced,
                cacheWriteTokens);
    }

    /** Every prompt token (full price, cache reads and cache writes) plus the output tokens. */
    public long totalTokens() {
        return inputTokens + cachedInputTokens + cacheWriteTokens + outputTokens;
    }
}

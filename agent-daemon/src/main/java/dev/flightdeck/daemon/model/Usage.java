package dev.flightdeck.daemon.model;

/**
 * Tokens and cost of one model call, or summed over a run. Cost is integer micro-dollars;
 * {@code priced} is false when any summed call had no known price.
 */
public record Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                    long costMicros, boolean priced) {
    public static final Usage ZERO = new Usage(0, 0, 0, 0, 0, true);

    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, cachedInputTokens + other.cachedInputTokens,
                outputTokens + other.outputTokens, reasoningTokens + other.reasoningTokens,
                costMicros + other.costMicros, priced && other.priced);
    }

    public long totalTokens() {
        return inputTokens + cachedInputTokens + outputTokens;
    }
}

package dev.flightdeck.daemon.cost;

/**
 * What one model costs, in integer pico-dollars per token (= micro-dollars per million tokens),
 * so every price with at most 6 decimal places of US dollars per million tokens is exact.
 *
 * @param inputPicosPerToken       uncached input tokens
 * @param cachedInputPicosPerToken input tokens served from the provider's prompt cache
 * @param outputPicosPerToken      output (and reasoning) tokens
 */
public record ModelPrice(String provider, String model, long inputPicosPerToken, long cachedInputPicosPerToken,
                         long outputPicosPerToken) {
    private static final long PICOS_PER_MICRO = 1_000_000;

    /**
     * The cost of a call in micro-dollars, rounded up so a call is never priced below what it
     * cost. Saturates instead of overflowing.
     */
    public long costMicros(long inputTokens, long cachedInputTokens, long outputTokens) {
        try {
            long picos = Math.addExact(Math.addExact(Math.multiplyExact(inputTokens, inputPicosPerToken),
                    Math.multiplyExact(cachedInputTokens, cachedInputPicosPerToken)),
                    Math.multiplyExact(outputTokens, outputPicosPerToken));
            return picos / PICOS_PER_MICRO + (picos % PICOS_PER_MICRO == 0 ? 0 : 1);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}

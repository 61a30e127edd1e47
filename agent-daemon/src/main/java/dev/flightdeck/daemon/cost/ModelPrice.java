package dev.flightdeck.daemon.cost;

import dev.flightdeck.daemon.model.Usage;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.LocalDate;

/**
 * What one model costs from a date on, in integer pico-dollars per token (= micro-dollars per
 * million tokens), so every price with at most 6 decimal places of US dollars per million tokens
 * is exact.
 *
 * @param effectiveFrom            first UTC day this price applies to ({@link #ALWAYS} for a price with no date)
 * @param inputPicosPerToken       uncached input tokens
 * @param cachedInputPicosPerToken input tokens read from the provider's prompt cache
 * @param cacheWritePicosPerToken  input tokens written to the provider's prompt cache
 * @param outputPicosPerToken      output (and reasoning) tokens
 */
public record ModelPrice(String provider, String model, LocalDate effectiveFrom, long inputPicosPerToken,
                         long cachedInputPicosPerToken, long cacheWritePicosPerToken, long outputPicosPerToken) {
    /** The effective date of a price that has none (daemon.yaml {@code prices:}): in force at any time. */
    public static final LocalDate ALWAYS = LocalDate.EPOCH;
    private static final BigDecimal PICOS_PER_MICRO = BigDecimal.valueOf(1_000_000);
    private static final BigInteger MAX_LONG = BigInteger.valueOf(Long.MAX_VALUE);

    /**
     * The cost of a call in micro-dollars: the exact sum in pico-dollars of every token kind at its
     * price, rounded half-up to a micro-dollar once per call. Saturates instead of overflowing.
     */
    public long costMicros(Usage usage) {
        return micros(BigInteger.valueOf(usage.inputTokens()).multiply(BigInteger.valueOf(inputPicosPerToken))
                .add(BigInteger.valueOf(usage.cachedInputTokens()).multiply(BigInteger.valueOf(cachedInputPicosPerToken)))
                .add(BigInteger.valueOf(usage.cacheWriteTokens()).multiply(BigInteger.valueOf(cacheWritePicosPerToken)))
                .add(BigInteger.valueOf(usage.outputTokens()).multiply(BigInteger.valueOf(outputPicosPerToken))));
    }

    /**
     * The most a call with {@code inputTokens} prompt tokens and at most {@code maxOutputTokens}
     * output tokens can cost: every prompt token at the dearest of the input, cached-input and
     * cache-write prices.
     */
    public long worstCaseMicros(long inputTokens, long maxOutputTokens) {
        long dearestInput = Math.max(inputPicosPerToken, Math.max(cachedInputPicosPerToken, cacheWritePicosPerToken));
        return micros(BigInteger.valueOf(inputTokens).multiply(BigInteger.valueOf(dearestInput))
                .add(BigInteger.valueOf(maxOutputTokens).multiply(BigInteger.valueOf(outputPicosPerToken))));
    }

    private static long micros(BigInteger picos) {
        BigInteger micros = new BigDecimal(picos).divide(PICOS_PER_MICRO, 0, RoundingMode.HALF_UP).toBigIntegerExact();
        return micros.compareTo(MAX_LONG) > 0 ? Long.MAX_VALUE : micros.longValueExact();
    }
}

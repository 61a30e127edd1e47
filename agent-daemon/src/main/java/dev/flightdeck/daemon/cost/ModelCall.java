package dev.flightdeck.daemon.cost;

import dev.flightdeck.daemon.model.Usage;

import java.time.Instant;

/**
 * The accounting row of one completed model call: written in the same transaction as its
 * {@code model_responded} event (which {@code runId} and {@code sequence} name).
 *
 * @param provider   the provider that answered (after any fallback)
 * @param model      the model that answered
 * @param finishedAt when the answer was committed
 * @param usage      tokens and cost (priced false: the model had no price)
 */
public record ModelCall(String runId, long sequence, String tenant, String bundleName, String bundleVersion,
                        String provider, String model, Instant finishedAt, long latencyMs, Usage usage) {
}

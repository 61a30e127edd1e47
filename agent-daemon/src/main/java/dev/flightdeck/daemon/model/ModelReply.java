package dev.flightdeck.daemon.model;

import java.util.List;

/**
 * A model's answer.
 *
 * @param model        the model that actually answered (after any fallback)
 * @param message      the assistant message: text and/or tool calls
 * @param finishReason why the model stopped, as the provider reported it
 * @param latencyMs    wall time of the whole call including retries
 * @param provider     the provider that answered (differs from the requested one after a fallback
 *                     to another provider); "" means the requested one
 */
public record ModelReply(String model, ChatMessage message, String finishReason, Usage usage, long latencyMs,
                         List<ModelAttempt> attempts, String provider) {
    public ModelReply {
        attempts = List.copyOf(attempts);
        provider = provider == null ? "" : provider;
    }

    public ModelReply(String model, ChatMessage message, String finishReason, Usage usage, long latencyMs,
                      List<ModelAttempt> attempts) {
        this(model, message, finishReason, usage, latencyMs, attempts, "");
    }
}

package dev.flightdeck.daemon.model;

import java.util.List;

/**
 * A model's answer.
 *
 * @param model        the model that actually answered (after any fallback)
 * @param message      the assistant message: text and/or tool calls
 * @param finishReason why the model stopped, as the provider reported it
 * @param latencyMs    wall time of the whole call including retries
 */
public record ModelReply(String model, ChatMessage message, String finishReason, Usage usage, long latencyMs,
                         List<ModelAttempt> attempts) {
    public ModelReply {
        attempts = List.copyOf(attempts);
    }
}

package dev.flightdeck.daemon.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flightdeck.daemon.bundle.ToolSpec;
import dev.flightdeck.daemon.model.ChatMessage;

import java.util.List;

/**
 * The worst case of a model call, known before making it, for the token and cost guardrails.
 * Input tokens are estimated as characters / 4, rounded up, of everything sent (every message's
 * text, tool call names and arguments, tool result names, and the offered tools' names,
 * descriptions and schemas); output tokens are at most the model's {@code parameters.max_tokens},
 * or {@link #DEFAULT_MAX_OUTPUT_TOKENS} when the bundle does not set it.
 */
record CallEstimate(long inputTokens, long maxOutputTokens) {
    static final long DEFAULT_MAX_OUTPUT_TOKENS = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    long worstCaseTokens() {
        return inputTokens + maxOutputTokens;
    }

    static CallEstimate of(List<ChatMessage> conversation, List<ToolSpec> tools, String modelParametersJson) {
        long chars = 0;
        for (ChatMessage m : conversation) {
            chars += m.content().length();
            chars += m.toolName() == null ? 0 : m.toolName().length();
            chars += m.toolCalls().stream().mapToLong(c -> c.toolName().length() + c.argumentsJson().length()).sum();
        }
        for (ToolSpec t : tools) {
            chars += t.name().length() + t.description().length() + t.parametersJson().length();
        }
        return new CallEstimate((chars + 3) / 4, maxOutputTokens(modelParametersJson));
    }

    static long maxOutputTokens(String parametersJson) {
        try {
            JsonNode max = JSON.readTree(parametersJson == null || parametersJson.isBlank() ? "{}" : parametersJson)
                    .path("max_tokens");
            return max.canConvertToLong() && max.asLong() > 0 ? max.asLong() : DEFAULT_MAX_OUTPUT_TOKENS;
        } catch (java.io.IOException e) {
            return DEFAULT_MAX_OUTPUT_TOKENS;
        }
    }
}

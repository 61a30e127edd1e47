package dev.flightdeck.daemon.model;

import java.util.List;

/**
 * One model call.
 *
 * @param provider       provider name, e.g. {@code scripted}
 * @param model          the provider's model id
 * @param parametersJson provider parameters as a JSON object
 * @param scriptJson     the turns the {@code scripted} provider plays ({@code []} for others)
 * @param messages       the whole conversation, system prompt first
 * @param tools          the tools the model may call
 */
public record ModelRequest(String provider, String model, String parametersJson, String scriptJson,
                           List<ChatMessage> messages, List<OfferedTool> tools) {
    public ModelRequest {
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
    }
}

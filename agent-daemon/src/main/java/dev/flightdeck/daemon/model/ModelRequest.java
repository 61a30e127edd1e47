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
 * @param bundleName     the bundle the call is made for (named in error messages; "" when unknown)
 * @param targets        for HTTP providers: the primary model then its fallbacks, in order. Empty
 *                       means the primary alone with the provider's defaults.
 */
public record ModelRequest(String provider, String model, String parametersJson, String scriptJson,
                           List<ChatMessage> messages, List<OfferedTool> tools, String bundleName,
                           List<ModelTarget> targets) {
    public ModelRequest {
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
        bundleName = bundleName == null ? "" : bundleName;
        targets = targets == null ? List.of() : List.copyOf(targets);
    }

    public ModelRequest(String provider, String model, String parametersJson, String scriptJson,
                        List<ChatMessage> messages, List<OfferedTool> tools) {
        this(provider, model, parametersJson, scriptJson, messages, tools, "", List.of());
    }
}

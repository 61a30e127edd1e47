package dev.flightdeck.daemon.model;

import java.util.List;

/**
 * One message of a model conversation.
 *
 * @param toolCalls  for assistant messages, the calls asked for (empty otherwise)
 * @param toolCallId for tool messages, the call answered ("" otherwise)
 * @param toolName   for tool messages, the tool that answered ("" otherwise)
 */
public record ChatMessage(Role role, String content, List<ToolCall> toolCalls, String toolCallId, String toolName) {
    public ChatMessage {
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        toolCallId = toolCallId == null ? "" : toolCallId;
        toolName = toolName == null ? "" : toolName;
    }

    public static ChatMessage system(String text) {
        return new ChatMessage(Role.SYSTEM, text, List.of(), "", "");
    }

    public static ChatMessage user(String text) {
        return new ChatMessage(Role.USER, text, List.of(), "", "");
    }

    public static ChatMessage assistant(String text, List<ToolCall> calls) {
        return new ChatMessage(Role.ASSISTANT, text, calls, "", "");
    }

    public static ChatMessage toolResult(String callId, String toolName, String resultJson) {
        return new ChatMessage(Role.TOOL, resultJson, List.of(), callId, toolName);
    }
}

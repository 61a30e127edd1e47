package dev.flightdeck.daemon.model;

/**
 * One tool call a model asked for.
 *
 * @param callId        id of the call within the run; the tool result refers to it
 * @param toolName      the tool's name as declared in the bundle
 * @param argumentsJson the arguments as JSON text (kept as text so it stays byte-exact)
 */
public record ToolCall(String callId, String toolName, String argumentsJson) {
}

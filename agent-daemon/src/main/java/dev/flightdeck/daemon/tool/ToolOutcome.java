package dev.flightdeck.daemon.tool;

/**
 * What a tool call produced: a JSON result, or for errors an object with an {@code "error"} field.
 */
public record ToolOutcome(String resultJson, boolean isError, long latencyMs) {
}

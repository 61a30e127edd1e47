package dev.flightdeck.client;

/** What one model call (a {@code model_responded} event) used: who answered, tokens, cost and latency. */
public record ModelCallInfo(String provider, String model, UsageInfo usage, long latencyMs) {
}

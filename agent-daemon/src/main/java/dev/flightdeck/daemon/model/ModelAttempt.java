package dev.flightdeck.daemon.model;

/** One attempt at a model call; a call with retries or fallbacks makes several. */
public record ModelAttempt(int attempt, String model, int statusCode, String error, long waitMs, long latencyMs) {
}

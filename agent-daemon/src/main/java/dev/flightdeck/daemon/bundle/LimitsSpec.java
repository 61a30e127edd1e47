package dev.flightdeck.daemon.bundle;

/**
 * Run limits. {@code maxSteps} is always positive (default 20); for the others 0 means no limit.
 * Only {@code maxSteps} is enforced by the walking-skeleton engine; the rest are reserved for
 * the durable engine.
 */
public record LimitsSpec(int maxSteps, long maxTokens, long maxCostMicros, long maxWallTimeMs) {
    public static final int DEFAULT_MAX_STEPS = 20;
}

package dev.flightdeck.daemon.bundle;

/**
 * Run limits, all enforced by the engine. {@code maxSteps} is always positive (default 20); for
 * {@code maxTokens}, {@code maxCostMicros} and {@code maxWallTimeMs} 0 means no limit.
 *
 * @param loopThreshold  how many identical tool calls (same tool, same canonical arguments) in a
 *                       run, or identical assistant texts in a row, end the run as a loop
 *                       (default 3; 0 = loop detection off)
 * @param toolTimeoutMs  how long one tool call may take unless its tool sets its own timeout
 *                       (default 30 s)
 */
public record LimitsSpec(int maxSteps, long maxTokens, long maxCostMicros, long maxWallTimeMs, int loopThreshold,
                         long toolTimeoutMs) {
    public static final int DEFAULT_MAX_STEPS = 20;
    public static final int DEFAULT_LOOP_THRESHOLD = 3;
    public static final long DEFAULT_TOOL_TIMEOUT_SECONDS = 30;

    /** Limits with the default loop threshold and tool timeout. */
    public LimitsSpec(int maxSteps, long maxTokens, long maxCostMicros, long maxWallTimeMs) {
        this(maxSteps, maxTokens, maxCostMicros, maxWallTimeMs, DEFAULT_LOOP_THRESHOLD,
                DEFAULT_TOOL_TIMEOUT_SECONDS * 1000);
    }
}

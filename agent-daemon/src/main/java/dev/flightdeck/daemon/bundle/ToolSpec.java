package dev.flightdeck.daemon.bundle;

/**
 * A tool the bundle's agent may call.
 *
 * @param parametersJson JSON Schema (draft 2020-12) of the arguments object, as canonical JSON text
 * @param implementation what serves the tool, e.g. {@code builtin:lookup_order}
 * @param timeoutMs      how long one call may take; 0 = the bundle's {@code limits.tool_timeout_seconds}
 */
public record ToolSpec(String name, String description, String parametersJson, ToolPolicy policy,
                       boolean idempotent, String implementation, long timeoutMs) {

    /** A tool that uses the bundle's default tool timeout. */
    public ToolSpec(String name, String description, String parametersJson, ToolPolicy policy, boolean idempotent,
                    String implementation) {
        this(name, description, parametersJson, policy, idempotent, implementation, 0);
    }

    /** How long one call of this tool may take under {@code limits}. */
    public long effectiveTimeoutMs(LimitsSpec limits) {
        return timeoutMs > 0 ? timeoutMs : limits.toolTimeoutMs();
    }
}

package dev.flightdeck.daemon.bundle;

/**
 * A tool the bundle's agent may call.
 *
 * @param parametersJson JSON Schema (draft 2020-12) of the arguments object, as canonical JSON text
 * @param implementation what serves the tool, e.g. {@code builtin:lookup_order}
 */
public record ToolSpec(String name, String description, String parametersJson, ToolPolicy policy,
                       boolean idempotent, String implementation) {
}

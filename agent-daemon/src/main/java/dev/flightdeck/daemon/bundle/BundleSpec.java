package dev.flightdeck.daemon.bundle;

import java.util.List;

/**
 * A bundle as authored (format v1), after validation and defaults. Immutable; its canonical
 * JSON and version id are in {@link ParsedBundle}.
 */
public record BundleSpec(String name, String description, String systemPrompt, List<ToolSpec> tools,
                         ModelSpec model, LimitsSpec limits) {
    public BundleSpec {
        tools = List.copyOf(tools);
    }
}

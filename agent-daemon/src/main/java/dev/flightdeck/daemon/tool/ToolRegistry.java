package dev.flightdeck.daemon.tool;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The tool implementations this daemon serves, by implementation name. */
public final class ToolRegistry {
    private final Map<String, Tool> byImplementation;

    public ToolRegistry(List<Tool> tools) {
        this.byImplementation = tools.stream()
                .collect(Collectors.toUnmodifiableMap(Tool::implementation, Function.identity()));
    }

    /** The registry of the built-in tools. */
    public static ToolRegistry builtins() {
        return new ToolRegistry(BuiltinTools.all());
    }

    /** Implementation names, e.g. for constructing the bundle parser. */
    public Set<String> implementations() {
        return byImplementation.keySet();
    }

    public Optional<Tool> find(String implementation) {
        return Optional.ofNullable(byImplementation.get(implementation));
    }
}

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

    /** The registry of the built-in tools; {@code builtin:issue_refund} keeps no ledger. */
    /** This registry plus {@code tool} (e.g. a testing hook's tool). */
    public ToolRegistry with(Tool tool) {
        List<Tool> all = new java.util.ArrayList<>(byImplementation.values());
        all.add(tool);
        return new ToolRegistry(all);
    }

    public static ToolRegistry builtins() {
        return builtins(null);
    }

    /**
     * The registry of the built-in tools, with {@code builtin:issue_refund} recording refunds in
     * {@code <dataDir>/demo-refunds.jsonl} (no ledger when {@code dataDir} is null).
     */
    public static ToolRegistry builtins(java.nio.file.Path dataDir) {
        List<Tool> tools = new java.util.ArrayList<>(BuiltinTools.all());
        tools.add(new IssueRefund(dataDir == null ? null : dataDir.resolve(IssueRefund.LEDGER_FILE)));
        return new ToolRegistry(tools);
    }

    /** Implementation names, e.g. for constructing the bundle parser. */
    public Set<String> implementations() {
        return byImplementation.keySet();
    }

    public Optional<Tool> find(String implementation) {
        return Optional.ofNullable(byImplementation.get(implementation));
    }
}

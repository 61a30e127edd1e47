package dev.flightdeck.daemon.bundle;

import java.util.Set;

/**
 * Turns bundle YAML (format v1, docs/bundles.md) into a validated {@link ParsedBundle}, or an
 * {@link InvalidBundleException} listing every problem with its location. Pure: touches no
 * storage.
 */
public final class BundleParser {
    private final Set<String> providers;
    private final Set<String> toolImplementations;

    /**
     * @param providers           provider names the daemon knows (e.g. {@code scripted})
     * @param toolImplementations tool implementations the daemon can serve (e.g. {@code builtin:lookup_order})
     */
    public BundleParser(Set<String> providers, Set<String> toolImplementations) {
        this.providers = Set.copyOf(providers);
        this.toolImplementations = Set.copyOf(toolImplementations);
    }

    public ParsedBundle parse(String yaml) {
        throw new UnsupportedOperationException("bundle parsing lands with the bundle format change");
    }
}

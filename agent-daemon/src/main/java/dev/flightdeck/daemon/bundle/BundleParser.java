package dev.flightdeck.daemon.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns bundle YAML (format v1, docs/bundles.md) into a validated {@link ParsedBundle}, or an
 * {@link InvalidBundleException} listing every problem with its location. Pure: touches no
 * storage. Thread-safe: one instance may parse concurrently.
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

    /**
     * Parses and validates one bundle file.
     *
     * @param yaml the bundle's YAML text (at most 1 MiB as UTF-8)
     * @return the normalized spec, its canonical JSON and its version id
     * @throws InvalidBundleException listing every problem found; the only exception thrown
     *                                for any content of {@code yaml}
     * @throws NullPointerException   if {@code yaml} is null
     */
    public ParsedBundle parse(String yaml) {
        Objects.requireNonNull(yaml, "yaml");
        List<BundleProblem> problems = new ArrayList<>();
        JsonNode raw = YamlReader.read(yaml, problems);
        if (raw == null) {
            throw new InvalidBundleException(problems);
        }
        JsonNode root = CanonicalJson.normalize(raw, "", problems);
        if (root == null) {
            throw new InvalidBundleException(problems);
        }
        BundleValidator.Result result = new BundleValidator(providers, toolImplementations, problems).validate(root);
        if (result == null) {
            throw new InvalidBundleException(problems);
        }
        String canonicalJson = CanonicalJson.write(result.canonicalTree());
        return new ParsedBundle(result.spec(), canonicalJson, CanonicalJson.sha256Hex(canonicalJson), yaml);
    }
}

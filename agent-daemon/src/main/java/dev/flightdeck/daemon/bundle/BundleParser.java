package dev.flightdeck.daemon.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
    /** Class-path resource of the demo bundle installed into every fresh data dir. */
    public static final String DEMO_BUNDLE_RESOURCE = "/dev/flightdeck/daemon/bundle/demo/support-refund.yaml";
    /** Class-path resource of the approvals demo bundle {@code refund-with-approval}, installed alongside. */
    public static final String APPROVAL_DEMO_BUNDLE_RESOURCE =
            "/dev/flightdeck/daemon/bundle/demo/refund-with-approval.yaml";

    /** Largest bundle file accepted, in UTF-8 bytes (1 MiB). */
    public static final int MAX_YAML_BYTES = YamlReader.MAX_BYTES;

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

    /** The YAML text of the demo bundle {@code support-refund} (see {@link #DEMO_BUNDLE_RESOURCE}). */
    public static String demoBundleYaml() {
        return resource(DEMO_BUNDLE_RESOURCE);
    }

    /** The YAML text of every demo bundle installed into a fresh data dir, {@code support-refund} first. */
    public static java.util.List<String> demoBundleYamls() {
        return java.util.List.of(resource(DEMO_BUNDLE_RESOURCE), resource(APPROVAL_DEMO_BUNDLE_RESOURCE));
    }

    private static String resource(String name) {
        try (InputStream in = BundleParser.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("demo bundle missing from the class path: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.flightdeck.daemon.bundle;

/**
 * A validated bundle ready to store.
 *
 * @param canonicalJson the spec as canonical JSON: keys sorted, no insignificant whitespace,
 *                      defaults applied, so equal content gives equal text whatever the YAML's
 *                      layout, comments or key order
 * @param versionId     lowercase hex SHA-256 of {@code canonicalJson} (UTF-8)
 * @param sourceYaml    the YAML text as pushed
 */
public record ParsedBundle(BundleSpec spec, String canonicalJson, String versionId, String sourceYaml) {
}

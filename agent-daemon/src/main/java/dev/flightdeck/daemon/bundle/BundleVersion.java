package dev.flightdeck.daemon.bundle;

import java.time.Instant;

/**
 * A stored, immutable bundle version.
 *
 * @param versionCount in "latest per name" listings, how many versions the name has; else 0
 * @param seq          storage order, the keyset of version listings
 */
public record BundleVersion(BundleSpec spec, String versionId, String canonicalJson, String sourceYaml,
                            Instant createdAt, int versionCount, long seq) {
    public String name() {
        return spec.name();
    }
}

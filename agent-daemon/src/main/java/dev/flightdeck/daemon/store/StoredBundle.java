package dev.flightdeck.daemon.store;

import java.time.Instant;

/**
 * One stored bundle version.
 *
 * @param seq          storage order (higher = stored later); the keyset for version listings
 * @param versionCount in "latest per name" listings, how many versions the name has; else 0
 */
public record StoredBundle(long seq, String versionId, String name, String description, String sourceYaml,
                           String canonicalJson, Instant createdAt, int versionCount) {
}

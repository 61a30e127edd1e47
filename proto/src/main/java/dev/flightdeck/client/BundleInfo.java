package dev.flightdeck.client;

import java.time.Instant;
import java.util.List;

/** A stored bundle version. {@code sourceYaml} is empty in list summaries. */
public record BundleInfo(String name, String versionId, String description, Instant createdAt,
                         List<String> toolNames, String provider, String model, int maxSteps, int versionCount,
                         String sourceYaml) {
}

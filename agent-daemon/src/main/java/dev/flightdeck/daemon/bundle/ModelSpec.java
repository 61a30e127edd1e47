package dev.flightdeck.daemon.bundle;

/**
 * Which model a bundle calls.
 *
 * @param parametersJson provider parameters as a canonical JSON object ({@code {}} when none)
 * @param scriptJson     for the {@code scripted} provider, its turns as a canonical JSON array
 *                       (see docs/bundles.md); {@code []} for other providers
 */
public record ModelSpec(String provider, String model, String parametersJson, String scriptJson) {
}
